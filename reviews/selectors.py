"""Reads of the reviews, scoped to a user.

Who may read a unit's reports: a user whose post on the unit or above it
grants ``view_workorders`` and is not a department post. A department-only
user sees only their department's tickets, so a unit's whole figures are not
theirs to see. Central households carry no tickets and have no reports.
Daily logs: one's own, and those of staff with a post in that same scope.
"""

from collections import defaultdict
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.models import User
from grids.models import Level, OrgUnit, Post, Role
from grids.permissions import ROLE_PERMISSIONS, Perm
from grids.selectors import posts_of
from workorders.models import WorkOrderEvent

from .models import Report, WorkLog
from .periods import Period

REPORT_LEVELS = (
    Level.DISTRICT,
    Level.TOWN,
    Level.VILLAGE,
    Level.GRID,
    Level.MICRO_GRID,
)
# Steps that are not handling: taking a ticket in, attaching a photo.
NOT_HANDLING = ("create", "attach")


def review_roots(user) -> list[OrgUnit]:
    """The units under which the user may read reviews (see the module doc)."""
    return [
        post.unit
        for post in posts_of(user)
        if post.role != Role.DEPARTMENT_STAFF
        and Perm.VIEW_WORKORDERS in ROLE_PERMISSIONS[post.role]
    ]


def _under_q(roots, prefix: str = "") -> Q:
    if not roots:
        return Q(pk__in=[])
    return reduce(
        or_,
        (
            Q(
                **{
                    f"{prefix}tree_id": root.tree_id,
                    f"{prefix}lft__gte": root.lft,
                    f"{prefix}rght__lte": root.rght,
                }
            )
            for root in roots
        ),
    )


def units_reviewable_by(user) -> QuerySet[OrgUnit]:
    """Units whose reports the user may read, and generate on demand."""
    units = OrgUnit.objects.filter(level__in=REPORT_LEVELS)
    if user.is_superuser:
        return units
    return units.filter(_under_q(review_roots(user)))


def reports_visible_to(user) -> QuerySet[Report]:
    reports = Report.objects.select_related("unit", "generated_by")
    if user.is_superuser:
        return reports
    return reports.filter(_under_q(review_roots(user), prefix="unit__"))


def reports_filtered(
    reports: QuerySet[Report],
    *,
    kind: str = "",
    unit: OrgUnit | None = None,
    period: Period | None = None,
) -> QuerySet[Report]:
    if kind:
        reports = reports.filter(kind=kind)
    if unit is not None:
        reports = reports.filter(unit=unit)
    if period is not None:
        reports = reports.filter(kind=period.kind, period_start=period.start)
    return reports


def report_of(user, *, unit_id: int, period: Period) -> Report | None:
    """The stored report of a unit in scope, or None (also when out of scope)."""
    return (
        reports_visible_to(user)
        .filter(unit_id=unit_id, kind=period.kind, period_start=period.start)
        .first()
    )


def report_neighbours(report: Report) -> dict[str, Report | None]:
    """The same unit's reports of the previous and the following period."""
    period = Period.starting(report.kind, report.period_start)
    same = Report.objects.filter(unit_id=report.unit_id, kind=report.kind)
    return {
        "previous": same.filter(period_start=period.previous().start).first(),
        "following": same.filter(period_start=period.following().start).first(),
    }


# -- daily logs ----------------------------------------------------------------


def staff_visible_to(user) -> QuerySet[User]:
    """Users with an active post in the viewer's review scope (and the viewer)."""
    if user.is_superuser:
        return User.objects.all()
    in_scope = Post.objects.filter(
        _under_q(review_roots(user), prefix="unit__"), is_active=True
    ).values("user_id")
    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=in_scope))


def worklogs_visible_to(user) -> QuerySet[WorkLog]:
    return WorkLog.objects.filter(user__in=staff_visible_to(user)).select_related(
        "user"
    )


def worklog_of(user, day: date) -> WorkLog | None:
    return WorkLog.objects.filter(user=user, day=day).first()


def worklog_compile(user, day: date) -> dict:
    """The user's day compiled from the events they wrote (one statement)."""
    return worklogs_compile_day(day, users={user.pk})[user.pk]


def worklogs_compile_day(day: date, *, users: set[int] | None = None) -> dict:
    """Everyone's day (or ``users``'), ``{user id: compiled log}``.

    A log lists the tickets the user handled (every step but taking a ticket
    in and attaching photos, with the steps in order and the status they left
    the ticket in), the reports they made, the photos they attached, and how
    many of each step. Visits and inspections join the log once the apps that
    record them exist.
    """
    period = Period.containing("daily", day)
    events = WorkOrderEvent.objects.filter(
        created_at__gte=period.start_at,
        created_at__lt=period.end_at,
        actor__isnull=False,
    )
    if users is not None:
        events = events.filter(actor_id__in=users)
    rows = events.order_by("actor_id", "id").values_list(
        "actor_id",
        "action",
        "to_status",
        "created_at",
        "workorder_id",
        "workorder__number",
        "workorder__title",
    )
    logs = defaultdict(_empty_log)
    for user_id in users or ():
        logs[user_id] = _empty_log()  # a user without events has an empty log
    for actor_id, action, to_status, at, ticket_id, number, title in rows:
        log = logs[actor_id]
        log["steps"][action] = log["steps"].get(action, 0) + 1
        if action == "create":
            log["reported"].append({"id": ticket_id, "number": number, "title": title})
        elif action == "attach":
            log["photos"] += 1
        if action in NOT_HANDLING:
            continue
        handled = log["_by_ticket"].get(ticket_id)
        if handled is None:
            handled = {"id": ticket_id, "number": number, "title": title, "steps": []}
            log["_by_ticket"][ticket_id] = handled
            log["handled"].append(handled)
        handled["steps"].append(action)
        handled["status"] = to_status
        handled["last_at"] = at.isoformat()
    for log in logs.values():
        del log["_by_ticket"]
        log["day"] = day.isoformat()
    return dict(logs)


def _empty_log() -> dict:
    return {"steps": {}, "handled": [], "reported": [], "photos": 0, "_by_ticket": {}}
