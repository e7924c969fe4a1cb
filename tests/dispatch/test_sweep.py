"""The deadline sweep: each alert once, escalation up the tree, notifications."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from dispatch.models import Alert, AlertDue, AlertKind, EscalationStep, Notification
from dispatch.sweep import alerts_sweep
from workorders.models import HotlineCallback, Status, WorkOrder, WorkOrderEvent
from workorders.services import workorder_act

pytestmark = pytest.mark.django_db

HOURS = timedelta(hours=1)


def kinds(ticket):
    return sorted(
        Alert.objects.filter(workorder=ticket).values_list("kind", "level", "unit_id")
    )


def test_a_critical_ticket_warns_then_goes_overdue_then_escalates_step_by_step(
    dispatched_ticket, tree
):
    # Critical: sign for within 1 h, resolve within 4 h, warning at 80 % (3.2 h).
    ticket = dispatched_ticket(priority="critical")
    start = ticket.created_at
    assert alerts_sweep(now=start + 0.5 * HOURS).raised == 0

    assert alerts_sweep(now=start + 1.1 * HOURS).raised == 1
    assert kinds(ticket) == [(AlertKind.SIGN_OVERDUE, 0, tree["G1"].pk)]

    alerts_sweep(now=start + 3.3 * HOURS)
    assert (AlertKind.WARNING, 0, tree["G1"].pk) in kinds(ticket)

    alerts_sweep(now=start + 4.1 * HOURS)
    assert (AlertKind.OVERDUE, 0, tree["G1"].pk) in kinds(ticket)
    assert not Alert.objects.filter(kind=AlertKind.ESCALATION).exists()

    # ×1.5 → the village above the grid, ×2 → the town, ×3 → the district.
    alerts_sweep(now=start + 6.1 * HOURS)
    alerts_sweep(now=start + 8.1 * HOURS)
    alerts_sweep(now=start + 12.1 * HOURS)
    escalations = [k for k in kinds(ticket) if k[0] == AlertKind.ESCALATION]
    assert escalations == [
        (AlertKind.ESCALATION, 1, tree["V1"].pk),
        (AlertKind.ESCALATION, 2, tree["T1"].pk),
        (AlertKind.ESCALATION, 3, tree["D"].pk),
    ]
    assert alerts_sweep(now=start + 48 * HOURS).raised == 0


def test_a_sweep_that_was_down_for_days_raises_everything_due_at_once(
    dispatched_ticket,
):
    ticket = dispatched_ticket(priority="critical")
    result = alerts_sweep(now=ticket.created_at + 100 * HOURS)
    # Sign-for, overdue and three escalations; no warning for a ticket that is
    # already past its deadline.
    assert result.raised == 5
    assert AlertKind.WARNING not in {k for k, *_ in kinds(ticket)}
    assert alerts_sweep(now=ticket.created_at + 100 * HOURS).raised == 0


def test_a_ticket_at_the_top_of_the_tree_cannot_escalate_further(new_ticket, tree):
    ticket = new_ticket(priority="critical", lat=None, lng=None)  # not located
    assert ticket.unit == tree["D"]
    alerts_sweep(now=ticket.created_at + 100 * HOURS)
    assert kinds(ticket) == [(AlertKind.OVERDUE, 0, tree["D"].pk)]


def test_suspended_tickets_are_not_swept_and_settled_alerts_close(
    dispatched_ticket, staff
):
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 1.1 * HOURS)
    workorder_act(actor=staff["worker"], workorder=ticket, action="accept")
    alerts_sweep(now=ticket.created_at + 1.2 * HOURS)
    sign = Alert.objects.get(workorder=ticket, kind=AlertKind.SIGN_OVERDUE)
    assert sign.closed_at is not None

    workorder_act(
        actor=staff["dispatcher"], workorder=ticket, action="suspend", note="等待鉴定"
    )
    assert alerts_sweep(now=ticket.created_at + 50 * HOURS).raised == 0

    workorder_act(actor=staff["dispatcher"], workorder=ticket, action="resume")
    ticket.refresh_from_db()
    alerts_sweep(now=ticket.resolve_deadline + HOURS)
    overdue = Alert.objects.get(workorder=ticket, kind=AlertKind.OVERDUE)
    assert overdue.closed_at is None
    workorder_act(actor=staff["worker"], workorder=ticket, action="start")
    workorder_act(
        actor=staff["worker"], workorder=ticket, action="resolve", note="已调解"
    )
    alerts_sweep(now=ticket.resolve_deadline + 2 * HOURS)
    assert not Alert.objects.filter(workorder=ticket, closed_at__isnull=True).exists()


def test_owners_hear_of_their_tickets_and_supervisors_of_escalations(
    dispatched_ticket, new_ticket, staff, tree
):
    owned = dispatched_ticket(priority="critical")
    unowned = new_ticket(priority="critical")  # waits at M1: its unit has no staff
    alerts_sweep(now=owned.created_at + 4.1 * HOURS)

    def heard(user):
        return sorted(
            Notification.objects.filter(user=user).values_list(
                "alert__workorder_id", "alert__kind"
            )
        )

    assert heard(staff["worker"]) == [
        (owned.pk, AlertKind.OVERDUE),
        (owned.pk, AlertKind.SIGN_OVERDUE),
    ]
    assert heard(staff["cadre"]) == []
    assert Notification.objects.filter(alert__workorder=unowned).count() == 0

    alerts_sweep(now=owned.created_at + 6.1 * HOURS)
    assert heard(staff["cadre"]) == [(owned.pk, AlertKind.ESCALATION)]
    assert heard(staff["far_dispatcher"]) == []


def test_escalation_steps_are_read_from_the_table(dispatched_ticket, tree):
    EscalationStep.objects.filter(levels_up__gt=1).delete()
    EscalationStep.objects.filter(levels_up=1).update(multiple="1.10")
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 4.5 * HOURS)
    assert (AlertKind.ESCALATION, 1, tree["V1"].pk) in kinds(ticket)
    alerts_sweep(now=ticket.created_at + 100 * HOURS)
    assert Alert.objects.filter(kind=AlertKind.ESCALATION).count() == 1


def test_changed_steps_apply_to_running_tickets_after_a_reset(
    dispatched_ticket, tree, admin_client
):
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 4.1 * HOURS)  # scheduled at ×1.5
    step = EscalationStep.objects.get(levels_up=1)
    response = admin_client.post(
        f"/admin/dispatch/escalationstep/{step.pk}/change/",
        {"levels_up": 1, "multiple": "1.10"},
    )
    assert response.status_code == 302
    alerts_sweep(now=ticket.created_at + 4.5 * HOURS)  # ×1.125
    assert (AlertKind.ESCALATION, 1, tree["V1"].pk) in kinds(ticket)


def test_a_ticket_changed_after_a_sweep_is_rescheduled(dispatched_ticket, staff):
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 0.5 * HOURS)
    # Signed for before the sign-for deadline: that alert is never raised.
    workorder_act(actor=staff["worker"], workorder=ticket, action="accept")
    alerts_sweep(now=ticket.created_at + 4.1 * HOURS)
    assert AlertKind.SIGN_OVERDUE not in {k for k, *_ in kinds(ticket)}
    assert AlertKind.OVERDUE in {k for k, *_ in kinds(ticket)}


def test_a_ticket_settled_or_removed_after_it_was_scheduled_owes_nothing(
    dispatched_ticket,
):
    settled, removed = (dispatched_ticket(priority="critical") for _ in range(2))
    alerts_sweep(now=settled.created_at + 0.5 * HOURS)  # both scheduled
    # Changed without a save (as a bulk tool would): the schedule still holds them.
    WorkOrder.objects.filter(pk=settled.pk).update(status=Status.CANCELLED)
    HotlineCallback.objects.filter(workorder=removed).delete()
    WorkOrderEvent.objects.filter(workorder=removed).delete()
    with connection.cursor() as cursor:  # a raw delete: no Django cascade
        cursor.execute("DELETE FROM workorders_workorder WHERE id = %s", [removed.pk])
    result = alerts_sweep(now=settled.created_at + 100 * HOURS)
    assert result.raised == 0
    assert not Alert.objects.exists()
    assert not AlertDue.objects.filter(workorder_id__in=[settled.pk, removed.pk])


def test_the_database_refuses_a_second_alert_for_a_ticket_kind_and_level(
    dispatched_ticket,
):
    ticket = dispatched_ticket(priority="critical")
    alerts_sweep(now=ticket.created_at + 4.1 * HOURS)
    first = Alert.objects.get(workorder=ticket, kind=AlertKind.OVERDUE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            workorder=ticket,
            kind=AlertKind.OVERDUE,
            level=0,
            unit=first.unit,
            due_at=first.due_at,
        )


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_write_each_alert_once(dispatched_ticket, categories):
    tickets = [dispatched_ticket(priority="critical") for _ in range(30)]
    when = tickets[-1].created_at + 100 * HOURS
    results, errors = [], []
    barrier = threading.Barrier(4)

    def sweep():
        try:
            barrier.wait()
            results.append(alerts_sweep(now=when))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.raised for r in results) == 30 * 5
    assert Alert.objects.count() == 30 * 5
    assert sorted(r.raised for r in results)[:3] == [0, 0, 0]
