"""A monthly analysis in a real browser: charts drawn, drill-down, no CSP errors."""

import random
from datetime import timedelta

import pytest

from reviews.services import report_generate

from .history import Step, ticket_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOUR = timedelta(hours=1)
PLACES = ["M1", "M1", "M1b", "M2", "M2", "V1", "G2"]
SOURCES = ["hotline"] * 5 + ["grid_report"] * 3 + ["inspection", "camera", "station"]
ADDRESSES = ["人民路1号", "金沙大道18号", "东门大街8号", "", ""]


def month_of_tickets(tree, people, month, categories, count=160):
    """A month's plausible load: most closed in time, some late, some open."""
    rng = random.Random(7)
    codes = [code for code in categories if "-" in code]
    hours = int((month.end_at - month.start_at) / HOUR)
    for _n in range(count):
        created = month.start_at + rng.randrange(-72, hours) * HOUR
        fate = rng.random()
        handling = HOUR * rng.choice([2, 5, 20, 40, 60, 130])
        steps = [Step("dispatch", created + HOUR, people["town"])]
        if fate < 0.85:
            steps += [
                Step("accept", created + 2 * HOUR, people["worker"]),
                Step("resolve", created + 2 * HOUR + handling, people["worker"]),
                Step("review_pass", created + 4 * HOUR + handling, people["town"]),
            ]
            if rng.random() < 0.4:
                satisfaction = rng.choice(["satisfied"] * 8 + ["unsatisfied"])
                steps.append(
                    Step(
                        "follow_up",
                        created + 30 * HOUR + handling,
                        people["town"],
                        {"satisfaction": satisfaction},
                    )
                )
        ticket_write(
            unit=tree[rng.choice(PLACES)],
            category=categories[rng.choice(codes)],
            created_at=created,
            deadline=created + 72 * HOUR,
            steps=steps,
            source=rng.choice(SOURCES),
            owner=people[rng.choice(["worker", "peer", "far_worker"])],
            address=rng.choice(ADDRESSES),
        )


def sign_in(page, live_server, user, next_path):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button.primary")
    page.wait_for_load_state()


def test_monthly_analysis_page(
    live_server, page, screenshot, tree, people, month, categories
):
    month_of_tickets(tree, people, month, categories)
    # The previous month too, so the trend has something to compare with.
    month_of_tickets(tree, people, month.previous(), categories, count=120)
    report = report_generate(actor=None, unit=tree["D"], period=month)[0]
    errors, failed = [], []
    page.on(
        "console",
        lambda m: (
            errors.append((m.text, m.location.get("url")))
            if m.type == "error"
            else None
        ),
    )
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    path = f"/reviews/monthly/{month.start.isoformat()}/{tree['D'].pk}/"
    sign_in(page, live_server, people["commander"], path)
    assert page.url == live_server.url + path
    assert tree["D"].name in page.locator("h1").inner_text()
    assert page.locator("svg.chart").count() == 4
    intake = page.locator('[data-figure="intake"]').inner_text()
    assert intake == f"{report.figures['totals']['intake']:,}"
    screenshot("review-monthly")

    # Drill down to a town: generate it from its page, then read it.
    page.locator("table.ranking a", has_text=tree["T1"].name).click()
    page.wait_for_load_state()
    page.get_by_role("button").filter(has_text="Generate it now").or_(
        page.get_by_role("button").filter(has_text="立即生成")
    ).click()
    page.wait_for_load_state()
    assert tree["T1"].name in page.locator("h1").inner_text()
    assert page.locator("table.ranking tbody tr").count() >= 1

    # And to the tickets behind its overdue figure.
    page.locator(".figure-card").nth(4).click()
    page.wait_for_load_state()
    assert page.locator("tr[data-ticket]").count() > 0
    screenshot("review-tickets")
    assert failed == [], failed
    # The browser's own favicon request is not the page's (no favicon yet).
    assert [e for e in errors if not (e[1] or "").endswith("/favicon.ico")] == []
