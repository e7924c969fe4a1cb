"""Status changes of hotline tickets reach the hotline, even after it was down."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from grids.geo import locator
from grids.models import Role
from workorders import hotline
from workorders.models import HotlineCallback
from workorders.services import workorder_act, workorder_create

pytestmark = pytest.mark.django_db


class FakeHotline(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = hotline.signature_of(
            body, self.headers["X-Hotline-Timestamp"], "test-hotline-secret"
        )
        signed = expected == self.headers["X-Hotline-Signature"]
        type(self).received.append((signed, json.loads(body)))
        self.send_response(200 if signed else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def platform(settings):
    FakeHotline.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeHotline)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.HOTLINE_CALLBACK_URL = f"http://127.0.0.1:{server.server_port}/callback"
    yield server
    server.shutdown()
    server.server_close()


def hotline_ticket(categories, tree, dispatcher):
    locator.reset()
    ticket, _ = workorder_create(
        actor=None,
        source="hotline",
        category=categories["M01-01"],
        title="噪音扰民",
        description="夜间施工噪音",
        external_number="H-1",
        lat=31.5,
        lng=119.25,
    )
    return workorder_act(
        actor=dispatcher, workorder=ticket, action="dispatch", unit=tree["G1"]
    )


def test_changes_are_reported_signed_and_in_order(
    platform, categories, tree, make_user, django_capture_on_commit_callbacks
):
    dispatcher = make_user(Role.DISPATCHER, tree["T1"])
    worker = make_user(Role.GRID_WORKER, tree["G1"])
    ticket = hotline_ticket(categories, tree, dispatcher)
    workorder_act(actor=worker, workorder=ticket, action="accept")
    assert HotlineCallback.objects.filter(state="pending").count() == 2

    assert hotline.callbacks_deliver() == {"sent": 2, "failed": 0}
    assert [(ok, body["status"]) for ok, body in FakeHotline.received] == [
        (True, "dispatched"),
        (True, "accepted"),
    ]
    assert FakeHotline.received[0][1]["external_number"] == "H-1"
    assert hotline.callbacks_deliver() == {"sent": 0, "failed": 0}  # nothing twice


def test_while_the_hotline_is_down_nothing_is_lost(
    settings, categories, tree, make_user, platform
):
    dispatcher = make_user(Role.DISPATCHER, tree["T1"])
    url = settings.HOTLINE_CALLBACK_URL
    settings.HOTLINE_CALLBACK_URL = "http://127.0.0.1:1/callback"  # nobody there
    hotline_ticket(categories, tree, dispatcher)
    assert hotline.callbacks_deliver() == {"sent": 0, "failed": 1}
    callback = HotlineCallback.objects.get()
    assert callback.state == "pending" and callback.attempts == 1
    assert callback.next_attempt_at > timezone.now()
    assert "Connection refused" in callback.last_error or "Errno" in callback.last_error
    # Not due yet: the pause is respected.
    assert hotline.callbacks_deliver() == {"sent": 0, "failed": 0}

    settings.HOTLINE_CALLBACK_URL = url
    later = timezone.now() + timedelta(minutes=5)
    assert hotline.callbacks_deliver(now=later) == {"sent": 1, "failed": 0}
    assert HotlineCallback.objects.get().state == "sent"
    assert [body["status"] for _, body in FakeHotline.received] == ["dispatched"]


def test_a_ticket_s_later_change_waits_for_its_failed_earlier_one(
    settings, categories, tree, make_user, platform
):
    dispatcher = make_user(Role.DISPATCHER, tree["T1"])
    worker = make_user(Role.GRID_WORKER, tree["G1"])
    url = settings.HOTLINE_CALLBACK_URL
    settings.HOTLINE_CALLBACK_URL = "http://127.0.0.1:1/callback"
    ticket = hotline_ticket(categories, tree, dispatcher)
    assert hotline.callbacks_deliver() == {"sent": 0, "failed": 1}

    # The platform is back, but the dispatch callback is not due yet: the
    # newer acceptance must not overtake it.
    settings.HOTLINE_CALLBACK_URL = url
    workorder_act(actor=worker, workorder=ticket, action="accept")
    assert hotline.callbacks_deliver() == {"sent": 0, "failed": 0}
    assert FakeHotline.received == []

    later = timezone.now() + timedelta(minutes=5)
    assert hotline.callbacks_deliver(now=later) == {"sent": 2, "failed": 0}
    assert [body["status"] for _, body in FakeHotline.received] == [
        "dispatched",
        "accepted",
    ]
