"""The work-order API from a terminal's and the hotline's point of view."""

import json
import time
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from grids.geo import locator
from grids.models import PersonalDataAccess, Role
from workorders.hotline import signature_of
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
SECRET = "test-hotline-secret"


@pytest.fixture(autouse=True)
def _located():
    locator.reset()


@pytest.fixture
def people(make_user, tree):
    return {
        "worker": make_user(Role.GRID_WORKER, tree["G1"]),
        "dispatcher": make_user(Role.DISPATCHER, tree["T1"]),
        "far_dispatcher": make_user(Role.DISPATCHER, tree["T2"]),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(
        url, json.dumps(body), content_type="application/json", **headers
    )


def report(categories, **extra):
    body = {
        "category": categories["M04-04"].pk,  # 道路设施损坏
        "title": "井盖缺失",
        "description": "人民路口井盖缺失，存在安全隐患。",
        "lat": 31.5,
        "lng": 119.25,
    }
    body.update(extra)
    return body


def push(client, payload, *, timestamp=None, secret=SECRET, raw=None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    return client.post(
        "/api/v1/hotline/tickets/",
        body,
        content_type="application/json",
        HTTP_X_HOTLINE_TIMESTAMP=timestamp,
        HTTP_X_HOTLINE_SIGNATURE=signature_of(body, timestamp, secret),
    )


HOTLINE = {
    "external_number": "2026112600123",
    "category": "M01-01",
    "title": "邻居装修噪音",
    "description": "每天晚上十点后仍在装修。",
    "reporter_name": "李女士",
    "reporter_phone": "13800001111",
    "lat": 31.5,
    "lng": 119.25,
}


def test_a_grid_worker_reports_and_a_resend_does_not_double(client, people, categories):
    as_user(client, people["worker"])
    client_id = str(uuid.uuid4())
    first = post(client, "/api/v1/workorders/", report(categories, client_id=client_id))
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["source"] == "grid_report"
    assert body["status"] == "dispatched"  # the category dispatches itself
    again = post(client, "/api/v1/workorders/", report(categories, client_id=client_id))
    assert again.status_code == 200
    assert again.json()["number"] == body["number"]
    assert WorkOrder.objects.count() == 1


def test_on_the_spot_handling_lands_with_the_reporter(client, people, categories):
    as_user(client, people["worker"])
    body = post(
        client, "/api/v1/workorders/", report(categories, on_the_spot=True)
    ).json()
    assert body["status"] == "in_progress"
    assert body["owner"] == people["worker"].pk
    assert "resolve" in body["actions"]


def test_the_task_list_filters_and_keeps_its_query_count(client, people, categories):
    as_user(client, people["worker"])
    for i in range(6):
        post(client, "/api/v1/workorders/", report(categories, title=f"事件{i}"))
    counts = []
    for size in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            rows = client.get("/api/v1/workorders/", {"page_size": size}).json()
        assert len(rows["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    WorkOrder.objects.filter(title="事件0").update(
        resolve_deadline="2020-01-01T00:00:00+08:00",
        created_at="2019-12-01T00:00:00+08:00",
    )
    overdue = client.get("/api/v1/workorders/", {"due": "overdue"}).json()["results"]
    assert [row["title"] for row in overdue] == ["事件0"]
    assert client.get("/api/v1/workorders/", {"status": "nonsense"}).status_code == 400


def test_lifecycle_through_the_api_with_versions(client, people, categories, tree):
    response = push(client, HOTLINE)
    assert response.status_code == 201
    ticket = WorkOrder.objects.get()
    as_user(client, people["dispatcher"])
    detail = client.get(f"/api/v1/workorders/{ticket.pk}/").json()
    assert detail["reporter_phone"] == "138****1111"  # dispatchers do not need it
    assert detail["actions"] == ["dispatch", "send_back", "cancel"]
    url = f"/api/v1/workorders/{ticket.pk}"
    dispatched = post(
        client,
        f"{url}/dispatch/",
        {
            "unit": tree["G1"].pk,
            "owner": people["worker"].pk,
            "version": detail["version"],
        },
    )
    assert dispatched.status_code == 200, dispatched.json()
    stale = post(
        client, f"{url}/cancel/", {"note": "重复", "version": detail["version"]}
    )
    assert stale.status_code == 409
    assert stale.json()["fields"]["status"] == ["dispatched"]

    as_user(client, people["worker"])
    accepted = post(client, f"{url}/accept/", {}).json()
    assert accepted["status"] == "accepted"
    assert accepted["reporter_phone"] == "13800001111"  # the worker calls back
    assert PersonalDataAccess.objects.filter(subject_type="workorder").exists()
    timeline = [event["action"] for event in accepted["events"]]
    assert timeline == ["create", "dispatch", "accept"]
    refused = post(client, f"{url}/review_pass/", {})
    assert refused.status_code == 409
    not_allowed = post(client, f"{url}/suspend/", {"note": "等待"})
    assert not_allowed.status_code == 403
    assert post(client, f"{url}/fly/", {}).status_code == 404

    as_user(client, people["far_dispatcher"])
    assert client.get(f"{url}/").status_code == 404
    assert post(client, f"{url}/cancel/", {"note": "x"}).status_code == 404


def test_hotline_pushes_are_signed_fresh_and_idempotent(client, categories, tree):
    first = push(client, HOTLINE)
    assert first.status_code == 201
    assert first.json()["unit"] == tree["M1"].pk
    again = push(client, HOTLINE)
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert WorkOrder.objects.count() == 1

    other = {**HOTLINE, "external_number": "X2"}
    assert push(client, other, secret="wrong").status_code == 401
    assert push(client, other, timestamp=int(time.time()) - 3600).status_code == 401
    assert push(client, other, raw=b"{not json").status_code == 400
    assert push(client, {**other, "category": "NOPE"}).status_code == 400
    assert push(client, {**other, "lat": 0, "lng": 0}).status_code == 422
    unsigned = client.post(
        "/api/v1/hotline/tickets/", json.dumps(other), content_type="application/json"
    )
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "bad_signature"
    assert WorkOrder.objects.count() == 1


def test_an_unlocated_hotline_ticket_waits_at_the_district(client, categories, tree):
    body = {k: v for k, v in HOTLINE.items() if k not in ("lat", "lng")}
    assert push(client, body).status_code == 201
    ticket = WorkOrder.objects.get()
    assert ticket.unit == tree["D"] and ticket.status == "new"


def test_photos_are_checked_kept_once_and_let_the_ticket_resolve(
    client, people, categories
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.workorders.photo_samples import jpeg

    as_user(client, people["worker"])
    ticket = post(
        client, "/api/v1/workorders/", report(categories, on_the_spot=True)
    ).json()
    url = f"/api/v1/workorders/{ticket['id']}"
    assert post(client, f"{url}/resolve/", {"note": "已修复"}).status_code == 400
    photo = jpeg()

    def upload(content, name="现场.jpg"):
        return client.post(
            f"{url}/attachments/",
            {"photo": SimpleUploadedFile(name, content, "image/jpeg")},
        )

    first = upload(photo)
    assert first.status_code == 201, first.json()
    assert first.json()["content_type"] == "image/jpeg"
    assert upload(photo).status_code == 200  # the same photo again: kept once
    refused = upload(b"%PDF-1.4 not a photo", name="x.jpg")
    assert refused.status_code == 415
    assert refused.json()["code"] == "photo_unsupported_type"
    resolved = post(client, f"{url}/resolve/", {"note": "已修复"})
    assert resolved.status_code == 200, resolved.json()
    body = resolved.json()
    assert len(body["attachments"]) == 1
    assert [e["action"] for e in body["events"]][-2:] == ["attach", "resolve"]


def test_delta_sync_returns_each_change_once(client, people, categories, settings):
    settings.SYNC_LAG_SECONDS = 0
    as_user(client, people["worker"])
    for i in range(3):
        post(client, "/api/v1/workorders/", report(categories, title=f"同步{i}"))
    first = client.get("/api/v1/workorders/sync/").json()
    assert [row["title"] for row in first["results"]] == ["同步0", "同步1", "同步2"]
    assert first["more"] is False
    mark = first["mark"]
    assert (
        client.get("/api/v1/workorders/sync/", {"since": mark}).json()["results"] == []
    )

    ticket = WorkOrder.objects.get(title="同步1")
    post(client, f"/api/v1/workorders/{ticket.pk}/accept/", {})
    changed = client.get("/api/v1/workorders/sync/", {"since": mark}).json()
    assert [(row["title"], row["status"]) for row in changed["results"]] == [
        ("同步1", "accepted")
    ]
    again = client.get("/api/v1/workorders/sync/", {"since": changed["mark"]}).json()
    assert again["results"] == [] and again["mark"] == changed["mark"]
    bad = client.get("/api/v1/workorders/sync/", {"since": "yesterday"})
    assert bad.status_code == 400


def test_delta_sync_holds_back_changes_that_may_still_be_committing(
    client, people, categories, settings
):
    settings.SYNC_LAG_SECONDS = 60
    as_user(client, people["worker"])
    post(client, "/api/v1/workorders/", report(categories))
    assert client.get("/api/v1/workorders/sync/").json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_sent_twenty_times_at_once_makes_one_ticket(
    people, categories
):
    import threading

    from django.test import Client

    barrier = threading.Barrier(20)
    answers = []
    body = json.dumps(report(categories, title="并发重发"))

    def send():
        client = Client()
        client.force_login(people["worker"])
        barrier.wait()
        response = client.post(
            "/api/v1/workorders/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="terminal-7:report-42",
        )
        answers.append((response.status_code, response.content))
        connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert WorkOrder.objects.filter(title="并发重发").count() == 1
    first = [content for code, content in answers if code == 201]
    assert first and all(content == first[0] for content in first)
    assert {code for code, _ in answers} <= {201, 409}


def test_a_report_located_in_another_grid_is_answered_not_500(
    client, people, categories, tree, make_user
):
    as_user(client, people["worker"])
    client_id = str(uuid.uuid4())
    # A point in the other town's grid: the ticket goes there.
    response = post(
        client,
        "/api/v1/workorders/",
        report(categories, lat=31.5, lng=119.9, client_id=client_id),
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["unit"] in (tree["G2"].pk, tree["M2"].pk)
    # Another user replaying that client id gets nothing of it.
    as_user(client, make_user(Role.GRID_WORKER, tree["G2"]))
    replay = post(
        client,
        "/api/v1/workorders/",
        report(categories, lat=31.5, lng=119.9, client_id=client_id),
    )
    assert replay.status_code == 409
    assert replay.json()["code"] == "client_id_reused"
    assert WorkOrder.objects.count() == 1


def test_dispatch_references_must_exist_and_fit(client, people, categories, tree):
    from grids.models import Department

    push(client, HOTLINE)
    ticket = WorkOrder.objects.get()
    as_user(client, people["dispatcher"])
    url = f"/api/v1/workorders/{ticket.pk}/dispatch/"
    missing = post(client, url, {"unit": tree["G1"].pk, "owner": 999999})
    assert missing.status_code == 400 and "owner" in missing.json()["fields"]
    far = Department.objects.create(
        name="直溪派出所", code="PS-2", kind="public_security", territory=tree["T2"]
    )
    outside = post(client, url, {"unit": tree["G1"].pk, "department": far.pk})
    assert outside.status_code == 400 and "department" in outside.json()["fields"]
    near = Department.objects.create(
        name="儒林派出所", code="PS-1", kind="public_security", territory=tree["T1"]
    )
    fine = post(client, url, {"unit": tree["G1"].pk, "department": near.pk})
    assert fine.status_code == 200, fine.json()
    assert WorkOrder.objects.get().department == near
