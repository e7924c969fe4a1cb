"""End to end: real Celery worker and beat on a Redis of their own, PostgreSQL,
the live server and headless Chromium on the dashboard.

A ticket's deadline passes; beat's sweep raises the alert; the open dashboard
shows it without reload. The page's connection is cut while two more alerts
are raised; when it comes back it shows both, once each. Redis stops: tickets
are still taken in, pages still load, hotline callbacks wait in the database;
Redis returns and the sweep catches up to the dashboard, the callbacks go out.
"""

import json
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from django.utils import timezone

from accounts.tokens import token_issue
from dispatch.models import Alert, AlertKind
from tests.processes import (
    CuttableProxy,
    RedisServer,
    beat,
    env_for_test_database,
    wait_until,
    worker,
)
from workorders.models import HotlineCallback, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests"


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


class Hotline(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hotline.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hotline_platform():
    Hotline.received = []
    server = HTTPServer(("127.0.0.1", 0), Hotline)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/callbacks"
    server.shutdown()


@pytest.fixture(autouse=True)
def _short_streams(settings):
    """Pings every second: a feed whose page has gone ends within a second,
    and a page whose feed died unnoticed replaces it within seconds."""
    settings.ALERT_STREAM_MAX_SECONDS = 20
    settings.ALERT_STREAM_PING_SECONDS = 1


@pytest.fixture
def celery(redis, hotline_platform, tmp_path):
    """A worker and a beat sweeping every second, on this test's Redis and
    database; their logs are in tmp_path."""
    env = env_for_test_database(
        redis,
        ALERTS_SWEEP_SECONDS="1",
        HOTLINE_CALLBACKS_SECONDS="1",
        HOTLINE_CALLBACK_URL=hotline_platform,
    )
    processes = [
        worker(env, tmp_path / "worker.log").start(),
        beat(env, tmp_path / "beat.log", tmp_path / "celerybeat-schedule").start(),
    ]
    yield processes
    for process in processes:
        process.stop()


def log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/?next=/command/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button.primary")
    page.wait_for_selector("#alert-feed", state="attached")


def due_in(ticket, seconds: float):
    """The ticket's deadline ``seconds`` from now (negative: already past); it
    was allowed an hour, so no escalation falls due during the test."""
    now = timezone.now()
    deadline = now + timedelta(seconds=seconds)
    WorkOrder.objects.filter(pk=ticket.pk).update(
        created_at=deadline - timedelta(hours=1),
        sign_deadline=now + timedelta(hours=1),
        warn_at=deadline + timedelta(hours=1),
        resolve_deadline=deadline,
        updated_at=now,  # as the services' saves stamp it
    )


def overdue_alert(ticket, timeout=60):
    return wait_until(
        lambda: Alert.objects.filter(workorder=ticket, kind=AlertKind.OVERDUE).first(),
        timeout=timeout,
        interval=0.02,
        what=f"the overdue alert of {ticket.number}",
    )


def feed_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            "#alert-feed li.alert-item", "items => items.map(i => i.dataset.alertId)"
        )
    ]


def test_alerts_reach_the_dashboard_live_and_after_a_network_drop_once_each(
    live_server, page, screenshot, dispatched_ticket, new_ticket, staff, celery
):
    first, second, third = (dispatched_ticket() for _ in range(3))
    elsewhere = new_ticket(lng=119.75)  # in the other town
    proxy = CuttableProxy(int(live_server.url.rsplit(":", 1)[1])).start()
    log_in(page, proxy.url, staff["dispatcher"])
    assert feed_ids(page) == []

    due_in(first, 2)
    due_in(elsewhere, 2)
    alert = overdue_alert(first)
    committed = time.monotonic()
    page.wait_for_selector(f'#alert-feed li[data-alert-id="{alert.pk}"]')
    shown_after = time.monotonic() - committed
    assert shown_after <= 2, f"shown {shown_after:.2f} s after commit"
    item = page.locator(f'#alert-feed li[data-alert-id="{alert.pk}"]')
    assert first.number in item.inner_text()
    assert "new" in item.get_attribute("class")

    proxy.cut()
    due_in(second, -1)
    due_in(third, -1)
    missed = [overdue_alert(second).pk, overdue_alert(third).pk]
    time.sleep(1.5)
    assert not set(missed) & set(feed_ids(page))  # the page is cut off
    page.wait_for_selector(
        '#alert-feed[data-connection="reconnecting"]', state="attached"
    )
    proxy.restore()
    for pk in missed:
        page.wait_for_selector(f'#alert-feed li[data-alert-id="{pk}"]', timeout=15_000)
    time.sleep(2)  # anything sent twice would have arrived by now

    shown = feed_ids(page)
    assert sorted(shown) == sorted([alert.pk, *missed])  # once each
    assert shown == sorted(shown, reverse=True)  # newest first, in order
    far_alert = overdue_alert(elsewhere)
    assert far_alert.pk not in shown  # another town's alert never reaches it
    screenshot("dashboard-live")


def test_with_redis_stopped_nothing_is_lost_and_the_sweep_catches_up(
    live_server,
    page,
    screenshot,
    dispatched_ticket,
    new_ticket,
    staff,
    tree,
    categories,
    redis,
    celery,
    settings,
):
    # This server's cache is the test's own Redis too, so stopping it is felt.
    settings.CACHES = {
        "default": {
            "BACKEND": "jintan.cache.ResilientRedisCache",
            "LOCATION": f"{redis.url}/1",
        }
    }
    hotline_ticket = new_ticket()
    late = dispatched_ticket()
    log_in(page, live_server.url, staff["dispatcher"])
    _, raw_token = token_issue(user=staff["worker"], device_name="终端-1")
    terminal = requests.Session()
    terminal.headers["Authorization"] = f"Bearer {raw_token}"

    redis.stop()
    started = time.monotonic()
    report = terminal.post(
        f"{live_server.url}/api/v1/workorders/",
        json={
            "category": categories["M04-04"].pk,
            "title": "井盖缺失",
            "description": "人民路口井盖缺失。",
            "lat": 31.5,
            "lng": 119.25,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert report.status_code == 201, report.text
    _, dispatcher_token = token_issue(user=staff["dispatcher"], device_name="台式机")
    dispatched = requests.post(
        f"{live_server.url}/api/v1/workorders/{hotline_ticket.pk}/dispatch/",
        json={"unit": tree["G1"].pk},
        headers={"Authorization": f"Bearer {dispatcher_token}"},
        timeout=30,
    )
    assert dispatched.status_code == 200, dispatched.text
    assert time.monotonic() - started < 10  # no request hung on the dead broker
    waiting = HotlineCallback.objects.get(workorder=hotline_ticket)
    assert waiting.state == HotlineCallback.State.PENDING

    page.reload()
    page.wait_for_selector("#alert-feed", state="attached")  # pages still load
    due_in(late, -1)
    time.sleep(3)
    assert not Alert.objects.filter(workorder=late).exists()  # no sweep ran

    redis.start()
    alert = overdue_alert(late, timeout=90)
    page.wait_for_selector(f'#alert-feed li[data-alert-id="{alert.pk}"]')
    wait_until(
        lambda: (
            HotlineCallback.objects.get(pk=waiting.pk).state
            == HotlineCallback.State.SENT
        ),
        timeout=90,
        what="the hotline callback to go out",
    )
    heard = [(c["number"], c["action"]) for c in Hotline.received]
    assert heard.count((hotline_ticket.number, "dispatch")) == 1
    screenshot("dashboard-after-redis-outage")
