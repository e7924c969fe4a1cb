"""A grid worker's report through the API: what it answers and what it costs."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import token_issue
from grids.geo import locator
from grids.models import Role
from jintan.errors import DomainError
from workorders.models import DeadlineRule, HotlineCallback, Priority, WorkOrder
from workorders.services import deadlines_for, workorder_create

pytestmark = pytest.mark.django_db
URL = "/api/v1/workorders/"


@pytest.fixture(autouse=True)
def _located():
    locator.reset()


@pytest.fixture
def worker(make_user, tree):
    return make_user(Role.GRID_WORKER, tree["G1"])


@pytest.fixture
def terminal(client, worker):
    """A POST as the worker's terminal sends it: bearer token, Idempotency-Key."""
    token = token_issue(user=worker, device_name="测试终端")[1]

    def send(body):
        return client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    return send


def report(category, **extra):
    return {
        "category": category.pk,
        "title": "井盖缺失",
        "description": "人民路口井盖缺失，存在安全隐患。",
        "lat": 31.5,
        "lng": 119.25,
        **extra,
    }


@pytest.mark.parametrize(
    "code, extra, status",
    [
        ("M01-01", {}, "new"),  # waits for a dispatcher
        ("M04-04", {}, "dispatched"),  # dispatches itself to the grid
        ("M04-04", {"priority": "urgent"}, "dispatched"),
        ("M01-01", {"on_the_spot": True}, "in_progress"),
    ],
)
def test_the_answer_to_a_report_is_what_reading_the_ticket_shows(
    client, worker, terminal, categories, code, extra, status
):
    # The answer is built from the rows just written, not read back: it must
    # not differ from a fresh read in any field.
    created = terminal(report(categories[code], **extra))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == status
    client.force_login(worker)
    read = client.get(f"{URL}{body['id']}/")
    assert read.status_code == 200
    assert read.json() == body


def test_a_report_located_to_a_micro_grid_is_dispatched_to_its_grid(
    terminal, categories, tree
):
    body = terminal(report(categories["M04-04"])).json()
    ticket = WorkOrder.objects.get(pk=body["id"])
    assert (ticket.unit, ticket.grid_id, ticket.micro_grid_id) == (
        tree["G1"],
        tree["G1"].pk,
        None,
    )
    assert ticket.version == 2
    events = list(ticket.events.order_by("id"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", "", "new"),
        ("dispatch", "new", "dispatched"),
    ]
    assert events[1].actor is None
    assert events[1].data == {"unit": tree["G1"].pk, "owner": None, "department": None}
    assert ticket.sign_deadline - ticket.dispatched_at == timedelta(
        hours=DeadlineRule.objects.get(
            category=categories["M04-04"], priority=Priority.NORMAL
        ).sign_within_hours
    )


def test_a_report_costs_a_fixed_number_of_queries(terminal, categories):
    terminal(report(categories["M01-01"]))  # warm the locator
    counts = []
    for code in ("M01-01", "M04-04"):
        with (
            CaptureQueriesContext(connection) as queries,
            CaptureQueriesContext(connections["numbering"]) as numbering,
        ):
            assert terminal(report(categories[code])).status_code == 201
        statements = [
            q["sql"]
            for q in [*queries.captured_queries, *numbering.captured_queries]
            # The test's own transaction turns each atomic block into these.
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
        counts.append(len(statements))
    # Token, claim of the key, posts, category with its rule, unit, number,
    # ticket, events (one INSERT), stored answer: the same whether or not the
    # category dispatches itself, and no read-back of what was just written.
    assert counts == [9, 9]


def test_a_rule_changed_applies_to_the_next_report(terminal, categories):
    category = categories["M01-01"]
    DeadlineRule.objects.filter(category=category, priority="normal").update(
        resolve_within_hours=30, resolve_within_working_days=None
    )
    body = terminal(report(category)).json()
    ticket = WorkOrder.objects.get(pk=body["id"])
    assert ticket.resolve_deadline - ticket.created_at == timedelta(hours=30)
    assert not ticket.deadline_in_working_days


def test_a_category_without_a_rule_for_the_priority_is_refused(terminal, categories):
    category = categories["M01-01"]
    DeadlineRule.objects.filter(category=category, priority="urgent").delete()
    response = terminal(report(category, priority="urgent"))
    assert response.status_code == 400
    assert response.json()["code"] == "no_deadline_rule"
    assert not WorkOrder.objects.exists()
    # The same answer for a category read without its rule (the hotline's way).
    with pytest.raises(DomainError) as refused:
        deadlines_for(category, "urgent", timezone.now())
    assert refused.value.code == "no_deadline_rule"


def test_a_new_ticket_s_events_read_without_a_query_but_filters_still_query(
    categories, worker, django_assert_num_queries
):
    ticket, created = workorder_create(
        actor=worker,
        source="grid_report",
        category=categories["M04-04"],
        title="路灯不亮",
        description="小区门口路灯不亮。",
        lat=31.5,
        lng=119.25,
    )
    assert created
    with django_assert_num_queries(0):
        assert [e.action for e in ticket.events.all()] == ["create", "dispatch"]
        assert [e.actor for e in ticket.events.all()] == [worker, None]
        assert list(ticket.attachments.all()) == []
        assert ticket.category.code == "M04-04" and ticket.unit.name
    with django_assert_num_queries(1):
        assert list(ticket.events.filter(action="dispatch").values_list("to_status"))


def test_a_hotline_ticket_that_dispatches_itself_reports_the_dispatch(
    categories, new_ticket
):
    ticket = new_ticket(category="M04-04")
    assert ticket.status == "dispatched"
    callbacks = list(HotlineCallback.objects.filter(workorder=ticket))
    assert [c.payload["action"] for c in callbacks] == ["dispatch"]
    assert callbacks[0].event == ticket.events.get(action="dispatch")
    assert callbacks[0].payload["status"] == "dispatched"
    assert callbacks[0].payload["number"] == ticket.number
