"""Alerts and notifications through the API and the live feed, from outside."""

import json
from datetime import timedelta

import pytest

from dispatch.models import Alert, AlertKind, Notification
from dispatch.sweep import alerts_sweep

pytestmark = pytest.mark.django_db
HOURS = timedelta(hours=1)


@pytest.fixture
def raised(dispatched_ticket, new_ticket, tree, staff):
    """Alerts on a ticket in T1 (owned by T1's worker) and one in T2."""
    near = dispatched_ticket(priority="critical")
    far = new_ticket(priority="critical", lng=119.75)
    assert far.town_id == tree["T2"].pk
    alerts_sweep(now=near.created_at + 4.1 * HOURS)
    return near, far


def as_user(client, user):
    client.force_login(user)
    return client


def test_a_town_dispatcher_lists_only_alerts_of_their_town(client, raised, staff):
    near, far = raised
    rows = as_user(client, staff["dispatcher"]).get("/api/v1/alerts/").json()
    assert {r["workorder"]["id"] for r in rows["results"]} == {near.pk}
    assert {r["kind"] for r in rows["results"]} == {"overdue", "sign_overdue"}
    rows = as_user(client, staff["far_dispatcher"]).get("/api/v1/alerts/").json()
    assert {r["workorder"]["id"] for r in rows["results"]} == {far.pk}
    everything = as_user(client, staff["commander"]).get("/api/v1/alerts/").json()
    assert len(everything["results"]) == Alert.objects.count() == 3


def test_alert_filters_and_their_errors(client, raised, staff, tree):
    as_user(client, staff["commander"])
    rows = client.get("/api/v1/alerts/?kind=overdue&state=open").json()["results"]
    assert [r["kind"] for r in rows] == ["overdue", "overdue"]
    rows = client.get(f"/api/v1/alerts/?unit={tree['T2'].pk}").json()["results"]
    assert {r["workorder"]["id"] for r in rows} == {raised[1].pk}
    bad = client.get("/api/v1/alerts/?kind=purple&level=x&state=maybe")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"kind", "level", "state"}
    as_user(client, staff["dispatcher"])
    outside = client.get(f"/api/v1/alerts/?unit={tree['T2'].pk}")
    assert outside.status_code == 400
    assert outside.json()["fields"] == {"unit": ["您的管辖范围内没有该单元。"]}


def test_acknowledging_records_the_first_who_and_when(client, raised, staff):
    near, far = raised
    alert = Alert.objects.get(workorder=near, kind=AlertKind.OVERDUE)
    url = f"/api/v1/alerts/{alert.pk}/acknowledge/"
    first = as_user(client, staff["worker"]).post(url)
    assert first.status_code == 200
    assert first.json()["acknowledged_by"] == staff["worker"].full_name
    again = as_user(client, staff["dispatcher"]).post(url)
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert again.json()["acknowledged_by"] == staff["worker"].full_name


def test_an_alert_outside_my_scope_is_not_found(client, raised, staff):
    far_alert = Alert.objects.get(workorder=raised[1])
    response = as_user(client, staff["dispatcher"]).post(
        f"/api/v1/alerts/{far_alert.pk}/acknowledge/"
    )
    assert response.status_code == 404
    assert Alert.objects.get(pk=far_alert.pk).acknowledged_at is None
    assert client.logout() is None
    assert client.get("/api/v1/alerts/").status_code in (401, 403)


def test_a_terminal_reads_its_notifications_after_a_cursor_and_marks_them(
    client, raised, staff
):
    as_user(client, staff["worker"])
    page = client.get("/api/v1/notifications/").json()
    kinds = [n["alert"]["kind"] for n in page["results"]]
    assert sorted(kinds) == ["overdue", "sign_overdue"]
    assert page["last"] == page["results"][-1]["id"]
    # Nothing new after the cursor: an empty page, the same cursor.
    assert client.get(f"/api/v1/notifications/?after={page['last']}").json() == {
        "results": [],
        "last": page["last"],
    }
    marked = client.post(
        "/api/v1/notifications/read/",
        json.dumps({"up_to": page["last"]}),
        content_type="application/json",
    )
    assert marked.json() == {"marked": 2}
    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_notification_input_errors_write_nothing(client, raised, staff):
    as_user(client, staff["worker"])
    for body in ({}, {"ids": ["x"]}, {"up_to": 0}, {"everything": True}):
        response = client.post(
            "/api/v1/notifications/read/",
            json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == 400, body
    assert client.get("/api/v1/notifications/?wait=26").status_code == 400
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_waiting_for_a_notification_returns_when_the_wait_is_over(
    client, staff, settings
):
    as_user(client, staff["far_worker"])
    response = client.get("/api/v1/notifications/?wait=1")
    assert response.status_code == 200
    assert response.json() == {"results": [], "last": 0}


def read_stream(response) -> list[dict]:
    """The events of a finished stream as dicts (id, event, data)."""
    text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line
        )
        if fields.get("event") == "alert":
            events.append({"id": int(fields["id"]), "data": json.loads(fields["data"])})
    return events


@pytest.fixture
def short_streams(settings):
    settings.ALERT_STREAM_MAX_SECONDS = 0.3
    settings.ALERT_STREAM_POLL_SECONDS = 0.05


def test_the_stream_sends_alerts_in_scope_after_the_cursor_in_order(
    client, raised, staff, short_streams
):
    near, far = raised
    response = as_user(client, staff["dispatcher"]).get(
        "/command/alerts/stream/?after=0"
    )
    assert response["Content-Type"] == "text/event-stream"
    events = read_stream(response)
    assert [e["data"]["workorder"]["id"] for e in events] == [near.pk, near.pk]
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    # Reconnecting with the last id seen: nothing again.
    again = client.get("/command/alerts/stream/", headers={"last-event-id": ids[-1]})
    assert read_stream(again) == []
    # From the first: the second only.
    resumed = client.get("/command/alerts/stream/", headers={"last-event-id": ids[0]})
    assert [e["id"] for e in read_stream(resumed)] == ids[1:]


def test_the_stream_refuses_strangers_and_bad_cursors(
    client, raised, staff, make_user, short_streams
):
    assert client.get("/command/alerts/stream/").status_code == 403
    as_user(client, make_user())  # no post
    assert client.get("/command/alerts/stream/").status_code == 403
    as_user(client, staff["dispatcher"])
    assert client.get("/command/alerts/stream/?after=abc").status_code == 400
    # Opened without a cursor, a feed starts after the newest alert.
    assert read_stream(client.get("/command/alerts/stream/")) == []
