"""Tickets through their lifecycle, via the services: who may do what, when."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from grids.geo import locator
from grids.models import Role
from jintan.errors import Conflict, DomainError
from workorders.lifecycle import STEPS
from workorders.models import Category, Status, WorkOrder, WorkOrderEvent
from workorders.services import workorder_act, workorder_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbours(categories):
    return categories["M01-01"]  # 邻里纠纷: no photo, manual dispatch


@pytest.fixture
def staff(make_user, tree):
    return {
        "dispatcher": make_user(Role.DISPATCHER, tree["T1"]),
        "worker": make_user(Role.GRID_WORKER, tree["G1"]),
        "other_worker": make_user(Role.GRID_WORKER, tree["G1"]),
        "reviewer": make_user(Role.REVIEWER, tree["T1"]),
        "far_dispatcher": make_user(Role.DISPATCHER, tree["T2"]),
    }


def hotline_ticket(category, **extra):
    locator.reset()
    fields = {
        "actor": None,
        "source": "hotline",
        "category": category,
        "title": "楼上漏水",
        "description": "楼上住户漏水到我家，协商未果。",
        "reporter_name": "张先生",
        "reporter_phone": "13912345678",
        "lat": 31.5,
        "lng": 119.25,
    }
    fields.update(extra)
    return workorder_create(**fields)[0]


def test_a_hotline_ticket_is_numbered_located_and_given_deadlines(tree, neighbours):
    ticket = hotline_ticket(neighbours, external_number="12345-001")
    assert ticket.number.startswith("JT" + timezone.localdate().strftime("%Y%m%d"))
    assert ticket.unit == tree["M1"]
    assert (ticket.town_id, ticket.grid_id) == (tree["T1"].pk, tree["G1"].pk)
    assert ticket.status == Status.NEW
    assert ticket.deadline_in_working_days
    assert ticket.created_at < ticket.warn_at < ticket.resolve_deadline
    assert ticket.resolve_deadline - ticket.created_at >= timedelta(days=5)
    assert list(ticket.events.values_list("action", flat=True)) == ["create"]


def test_the_same_hotline_ticket_twice_is_one_ticket(tree, neighbours):
    first = hotline_ticket(neighbours, external_number="12345-002")
    again, created = workorder_create(
        actor=None,
        source="hotline",
        category=neighbours,
        title="重复推送",
        description="同一工单",
        external_number="12345-002",
    )
    assert not created and again.pk == first.pk
    assert WorkOrder.objects.count() == 1


def test_the_whole_way_from_intake_to_a_reopened_follow_up(tree, neighbours, staff):
    ticket = hotline_ticket(neighbours)
    ticket = workorder_act(
        actor=staff["dispatcher"],
        workorder=ticket,
        action="dispatch",
        unit=tree["G1"],
        owner=staff["worker"],
    )
    assert ticket.status == Status.DISPATCHED and ticket.owner == staff["worker"]
    with pytest.raises(DomainError) as error:
        workorder_act(actor=staff["other_worker"], workorder=ticket, action="accept")
    assert error.value.code == "not_owner"
    for action in ("accept", "start"):
        ticket = workorder_act(actor=staff["worker"], workorder=ticket, action=action)
    ticket = workorder_act(
        actor=staff["worker"], workorder=ticket, action="resolve", note="已协调修复"
    )
    assert ticket.status == Status.RESOLVED and ticket.resolved_at
    ticket = workorder_act(
        actor=staff["reviewer"], workorder=ticket, action="review_pass"
    )
    assert ticket.status == Status.CLOSED
    ticket = workorder_act(
        actor=staff["reviewer"],
        workorder=ticket,
        action="follow_up",
        satisfaction="unsatisfied",
        note="群众不满意",
    )
    ticket = workorder_act(
        actor=staff["reviewer"], workorder=ticket, action="reopen", note="重新处置"
    )
    assert ticket.status == Status.IN_PROGRESS
    assert list(ticket.events.order_by("id").values_list("action", flat=True)) == [
        "create",
        "dispatch",
        "accept",
        "start",
        "resolve",
        "review_pass",
        "follow_up",
        "reopen",
    ]


def test_resolving_a_matter_that_needs_a_photo_without_one_is_refused(tree, staff):
    stalls = Category.objects.get(code="M04-01")  # 占道经营
    ticket = hotline_ticket(stalls)
    # Automatic dispatch: straight to the located grid.
    assert ticket.status == Status.DISPATCHED and ticket.unit == tree["G1"]
    for action in ("accept", "start"):
        ticket = workorder_act(actor=staff["worker"], workorder=ticket, action=action)
    with pytest.raises(DomainError) as error:
        workorder_act(
            actor=staff["worker"], workorder=ticket, action="resolve", note="已处理"
        )
    assert error.value.code == "photo_required"
    assert WorkOrder.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


def test_stale_versions_and_states_get_a_conflict_naming_the_current_state(
    tree, neighbours, staff
):
    ticket = hotline_ticket(neighbours)
    seen = ticket.version
    workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="dispatch", unit=tree["G1"]
    )
    with pytest.raises(Conflict) as error:
        workorder_act(
            actor=staff["dispatcher"],
            workorder=ticket,
            action="cancel",
            note="重复",
            version=seen,
        )
    assert error.value.status == 409
    assert error.value.fields["status"] == ["dispatched"]
    with pytest.raises(Conflict):
        workorder_act(actor=staff["reviewer"], workorder=ticket, action="review_pass")


def test_suspension_moves_the_deadline_by_the_time_suspended(tree, staff, categories):
    urgent = categories["M01-02"]
    ticket = hotline_ticket(urgent, priority="urgent")  # 24 clock hours
    ticket = workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="dispatch", unit=tree["G1"]
    )
    ticket = workorder_act(actor=staff["worker"], workorder=ticket, action="accept")
    deadline = ticket.resolve_deadline
    ticket = workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="suspend", note="等待鉴定"
    )
    WorkOrder.objects.filter(pk=ticket.pk).update(
        suspended_at=timezone.now() - timedelta(hours=3)
    )
    ticket = workorder_act(actor=staff["dispatcher"], workorder=ticket, action="resume")
    assert ticket.status == Status.ACCEPTED
    shift = ticket.resolve_deadline - deadline
    assert timedelta(hours=3) <= shift < timedelta(hours=3, seconds=5)


def test_escalation_moves_the_ticket_to_the_parent_unit(tree, neighbours, staff):
    ticket = hotline_ticket(neighbours)
    ticket = workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="dispatch", unit=tree["G1"]
    )
    ticket = workorder_act(
        actor=staff["worker"], workorder=ticket, action="escalate", note="需村里协调"
    )
    assert ticket.unit == tree["V1"] and ticket.grid_id is None
    assert ticket.status == Status.DISPATCHED


ROLE_OF = {
    Role.DISPATCHER: "T1",
    Role.COMMANDER: "T1",
    Role.ADMINISTRATOR: "T1",
    Role.REVIEWER: "T1",
    Role.CADRE: "V1",
    Role.GRID_WORKER: "G1",
    Role.PART_TIME_GRID_WORKER: "G1",
}
INPUT = {"note": "说明", "satisfaction": "unsatisfied"}


@pytest.mark.parametrize("action", list(STEPS))
def test_every_step_in_every_state_for_every_role(action, tree, neighbours, make_user):
    """Allowed where the table says, refused (403 / 409) everywhere else."""
    step = STEPS[action]
    for status in Status:
        for role, unit_key in ROLE_OF.items():
            actor = make_user(role, tree[unit_key])
            ticket = hotline_ticket(neighbours)
            WorkOrder.objects.filter(pk=ticket.pk).update(
                status=status,
                unit=tree["G1"],
                suspended_from=Status.IN_PROGRESS,
                suspended_at=timezone.now(),
                satisfaction="unsatisfied",
            )
            ticket.refresh_from_db()
            kwargs = {name: INPUT[name] for name in step.requires if name in INPUT}
            if "unit" in step.requires:
                kwargs["unit"] = tree["G1"]
            try:
                workorder_act(actor=actor, workorder=ticket, action=action, **kwargs)
                outcome = 200
            except Conflict:
                outcome = 409
            except DomainError as error:
                outcome = error.status
            if status not in step.sources:
                expected = 409
            elif role in step.roles:
                expected = 200
            else:
                expected = 403
            assert outcome == expected, (action, status, role)


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_get_one_winner_and_one_conflict(
    tree, make_user, categories
):
    assert connection.vendor == "postgresql"
    category = categories["M01-01"]
    ticket = hotline_ticket(category)
    dispatchers = [make_user(Role.DISPATCHER, tree["T1"]) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def dispatch(actor, unit):
        barrier.wait()
        try:
            workorder_act(
                actor=actor,
                workorder=ticket,
                action="dispatch",
                unit=unit,
                version=ticket.version,
            )
            outcomes.append("won")
        except Conflict as error:
            outcomes.append(error.fields["status"][0])
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dispatch, args=(dispatchers[0], tree["G1"])),
        threading.Thread(target=dispatch, args=(dispatchers[1], tree["G1b"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["dispatched", "won"]
    assert (
        WorkOrderEvent.objects.filter(workorder=ticket, action="dispatch").count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_hotline_push_at_once_from_many_threads_is_one_ticket(
    tree, categories
):
    category = categories["M01-01"]
    barrier = threading.Barrier(8)
    numbers = []

    def push():
        barrier.wait()
        try:
            ticket, _ = workorder_create(
                actor=None,
                source="hotline",
                category=category,
                title="并发推送",
                description="同一工单并发推送",
                external_number="12345-RACE",
            )
            numbers.append(ticket.number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=push) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(numbers) == 8 and len(set(numbers)) == 1
    assert WorkOrder.objects.filter(external_number="12345-RACE").count() == 1


def test_sending_back_puts_the_ticket_in_the_district_queue_once(
    tree, neighbours, staff, make_user
):
    ticket = hotline_ticket(neighbours, external_number="12345-send-back")
    assert ticket.unit == tree["M1"]
    ticket = workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="send_back", note="非本镇"
    )
    assert (ticket.status, ticket.unit, ticket.town_id) == (
        Status.NEW,
        tree["D"],
        None,
    )
    with pytest.raises(DomainError):  # the town's dispatcher no longer covers it
        workorder_act(
            actor=staff["dispatcher"], workorder=ticket, action="send_back", note="再退"
        )
    admin = make_user(is_superuser=True)
    with pytest.raises(DomainError) as refused:
        workorder_act(actor=admin, workorder=ticket, action="send_back", note="再退")
    assert refused.value.code == "invalid"
