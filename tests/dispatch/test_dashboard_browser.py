"""The dashboard in headless Chromium: Chinese, the SVG chart and map, a live
alert arriving without reload, and the wall display; screenshots for a person."""

import random
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.selectors.dashboard import dashboard_window
from dispatch.sweep import alerts_sweep
from dispatch.views import dashboard as dashboard_views
from workorders.models import Status, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"
# Each alert-stream connection ends after this long (the browser reconnects),
# so none is left polling the test database when the test ends.
STREAM_SECONDS = 2
HOUR = timedelta(hours=1)
CATEGORIES = ("M01-01", "M01-03", "M03-01", "M04-01", "M04-03", "M06-01")


@pytest.fixture
def month_of_tickets(new_ticket):
    """About a month of tickets in both towns: most completed on time, some
    late, some still open and overdue; then the sweep raises their alerts."""
    rng = random.Random(6)
    now = timezone.now()
    window = dashboard_window(now)
    for n in range(90):
        lng = 119.1 + 0.3 * rng.random() if n % 3 else 119.6 + 0.3 * rng.random()
        made = new_ticket(lng=lng, category=CATEGORIES[n % len(CATEGORIES)])
        created = window.start + timedelta(
            days=rng.randrange(len(window.days) - 1), hours=8 + rng.random() * 10
        )
        fate = rng.random()
        fields = {"created_at": created, "warn_at": created + 20 * HOUR}
        fields["resolve_deadline"] = created + 24 * HOUR
        if fate < 0.7:
            late = rng.random() < 0.1
            resolved = created + (30 if late else rng.randrange(2, 20)) * HOUR
            fields.update(status=Status.CLOSED, resolved_at=resolved)
            fields["closed_at"] = resolved + HOUR
        elif fate < 0.85:
            fields["status"] = Status.IN_PROGRESS  # overdue by now
        else:
            fields.update(created_at=now - 2 * HOUR, warn_at=now + 10 * HOUR)
            fields.update(resolve_deadline=now + 20 * HOUR)
        WorkOrder.objects.filter(pk=made.pk).update(**fields)
    alerts_sweep(now=now)


def log_in(page, live_server, user, next_path):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def test_the_dashboard_in_chromium(
    live_server,
    page,
    screenshot,
    settings,
    staff,
    tree,
    month_of_tickets,
    dispatched_ticket,
    new_ticket,
    monkeypatch,
):
    settings.ALERT_STREAM_MAX_SECONDS = STREAM_SECONDS
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "favicon" not in m.text and "404" not in m.text
            else None
        ),
    )
    log_in(page, live_server, staff["commander"], "/command/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "金坛区" in page.locator("h1").inner_text()
    assert "镇/街道" in page.locator(".dash-children thead").inner_text()
    assert page.locator("svg.trend-chart rect.bar").count() == 30
    assert page.locator("svg.dash-map-svg path.area").count() == 2
    assert page.locator(".map-unbounded li").count() == 1  # 五叶村第2网格
    items = page.locator("#alert-feed li.alert-item")
    shown = items.count()
    assert shown > 0
    counter = int(page.locator("#open-alerts-count").inner_text())

    # A new alert reaches the open page without reload, highlighted, counted.
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 1.1 * HOUR)  # not signed for in time
    fresh = page.locator("#alert-feed li.alert-item.new")
    fresh.first.wait_for(timeout=5000)
    assert ticket.number in fresh.first.inner_text()
    assert items.count() == shown + fresh.count()
    assert int(page.locator("#open-alerts-count").inner_text()) == counter + 1
    # The commander's district is their whole scope: its figure follows too.
    assert int(page.locator("[data-live-alerts]").inner_text()) == counter + 1
    path = screenshot("dashboard")
    assert path.stat().st_size > 30_000

    # Drill down through the breakdown table: district → town.
    page.locator(".dash-children tbody a", has_text="儒林镇").click()
    page.wait_for_url("**?unit=*")
    assert "儒林镇" in page.locator("h1").inner_text()
    assert "村/社区" in page.locator(".dash-children thead").inner_text()

    # The wall display: no navigation; its figures follow the data by
    # themselves (refreshed every second here instead of every 30).
    monkeypatch.setattr(dashboard_views, "REFRESH_SECONDS", 1)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/command/?screen=wall")
    assert page.locator("body.wall").count() == 1
    assert page.locator(".topbar").count() == 0
    assert page.locator("svg.dash-map-svg").count() == 1
    figure = page.locator('.kpi-value[data-figure="open"]')
    before = int(figure.inner_text())
    new_ticket(lng=119.3)
    page.wait_for_function(
        "n => +document.querySelector('.kpi-value[data-figure=open]').textContent"
        " === n",
        arg=before + 1,
        timeout=5000,
    )
    screenshot("dashboard-wall")
    assert not problems, problems
    page.goto("about:blank")
    time.sleep(STREAM_SECONDS + 1)
