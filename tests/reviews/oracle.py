"""The figures counted the slow, obvious way: ticket by ticket, in Python.

The property test holds the set-based figures (``reviews.figures``) against
these; nothing here shares code with them but the definitions' wording.
"""

from collections import defaultdict

from dispatch.models import Alert
from workorders.models import WorkOrder, WorkOrderEvent

RUNNING = {"new", "dispatched", "accepted", "in_progress", "returned"}
CONTENT = {"satisfied", "basically_satisfied"}
FIELDS = (
    "intake",
    "dispatched",
    "closed",
    "closed_on_time",
    "reopened",
    "overdue_open",
    "followed_up",
    "satisfied",
)


def expected_counts(unit, period, child_field):
    """``{child id or None: {figure: count}}`` and the sum under ``"total"``."""
    start, end = period.start_at, period.end_at
    tickets = list(WorkOrder.objects.filter(**{f"{unit.level}_id": unit.pk}))
    trails = defaultdict(list)
    for event in WorkOrderEvent.objects.filter(workorder__in=tickets).order_by("id"):
        trails[event.workorder_id].append(event)
    counts = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for ticket in tickets:
        child = getattr(ticket, child_field) if child_field else None
        found = set()
        trail = trails[ticket.pk]
        during = [e for e in trail if start <= e.created_at < end]
        if start <= ticket.created_at < end:
            found.add("intake")
        if any(e.action == "dispatch" for e in during):
            found.add("dispatched")
        if any(e.action == "reopen" for e in during):
            found.add("reopened")
        closures = [e for e in during if e.action == "review_pass"]
        if closures:
            found.add("closed")
            last = closures[-1]
            resolves = [e for e in trail if e.action == "resolve" and e.pk < last.pk]
            if resolves and resolves[-1].created_at <= ticket.resolve_deadline:
                found.add("closed_on_time")
        follow_ups = [e for e in during if e.action == "follow_up"]
        if follow_ups:
            found.add("followed_up")
            if follow_ups[-1].data["satisfaction"] in CONTENT:
                found.add("satisfied")
        before_end = [e for e in trail if e.created_at < end]
        if (
            before_end
            and before_end[-1].to_status in RUNNING
            and ticket.resolve_deadline < end
        ):
            found.add("overdue_open")
        for name in found:
            counts[child][name] += 1
            counts["total"][name] += 1
    return counts


def expected_by(unit, period, attribute):
    """Intake under the unit in the period, counted by a ticket attribute."""
    start, end = period.start_at, period.end_at
    counts = defaultdict(int)
    for ticket in WorkOrder.objects.filter(**{f"{unit.level}_id": unit.pk}):
        if start <= ticket.created_at < end:
            value = ticket
            for part in attribute.split("."):
                value = getattr(value, part)
            counts[value] += 1
    return dict(counts)


def expected_alerts(unit, period):
    start, end = period.start_at, period.end_at
    raised = acknowledged = 0
    for alert in Alert.objects.select_related("workorder"):
        if getattr(alert.workorder, f"{unit.level}_id") != unit.pk:
            continue
        raised += start <= alert.raised_at < end
        acked = alert.acknowledged_at
        acknowledged += acked is not None and start <= acked < end
    return {"alerts_raised": raised, "alerts_acknowledged": acknowledged}
