"""Alerts and notifications a user may see: those of tickets in their scope."""

from django.db.models import Q, QuerySet

from grids.models import OrgUnit
from grids.selectors import ancestry_q
from workorders.models import OPEN_STATUSES
from workorders.selectors import workorders_scope_q

from ..models import Alert, Notification


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts on tickets the user may see (the ticket scope decides, once)."""
    return Alert.objects.filter(
        workorders_scope_q(user, prefix="workorder__")
    ).select_related(
        "workorder", "workorder__category", "workorder__unit", "unit", "acknowledged_by"
    )


def alerts_open_q() -> Q:
    """Not closed, and the ticket still running (the sweep closes the row later)."""
    return Q(closed_at__isnull=True, workorder__status__in=OPEN_STATUSES)


def alerts_filtered(
    alerts: QuerySet[Alert],
    *,
    kind: str = "",
    level: int | None = None,
    unit: OrgUnit | None = None,
    state: str = "",
) -> QuerySet[Alert]:
    """The alert list's filters: kind, escalation level, tickets under a unit,
    ``state`` = open | unacknowledged | closed."""
    if kind:
        alerts = alerts.filter(kind=kind)
    if level is not None:
        alerts = alerts.filter(level=level)
    if unit is not None:
        alerts = alerts.filter(ancestry_q([unit], prefix="workorder__"))
    if state == "open":
        alerts = alerts.filter(alerts_open_q())
    elif state == "unacknowledged":
        alerts = alerts.filter(alerts_open_q(), acknowledged_at__isnull=True)
    elif state == "closed":
        alerts = alerts.exclude(alerts_open_q())
    return alerts


def alerts_after(user, after_id: int, *, limit: int = 100) -> list[Alert]:
    """The next alerts in the user's scope after ``after_id``, oldest first.

    The live feed's read: ids are committed in order (see ``dispatch.sweep``),
    so "after the last id seen" is every alert missed, once.
    """
    return list(alerts_visible_to(user).filter(id__gt=after_id).order_by("id")[:limit])


def alerts_last_id(user) -> int:
    """Where a feed opened now starts: the newest alert in scope."""
    last = alerts_visible_to(user).order_by("-id").values_list("id", flat=True)[:1]
    return next(iter(last), 0)


def notifications_of(user, *, unread_only: bool = True) -> QuerySet[Notification]:
    """A user's notifications with their alerts and tickets, oldest first."""
    notes = Notification.objects.filter(user=user).select_related(
        "alert", "alert__workorder", "alert__unit"
    )
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes.order_by("id")
