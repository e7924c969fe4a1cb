"""The deadline sweep: raise every alert that is due, exactly once, set-based.

``alerts_sweep`` is the only writer of alerts. It takes one lock per database
(a PostgreSQL advisory lock; SQLite has a single writer anyway), so alert ids
are committed in increasing order and a browser resuming "after id N" never
misses a row committed late.

A sweep's work is proportional to what changed, not to how many tickets are
open. Inside the lock, in one transaction:

1. The tickets changed since the previous sweep (``SweepMark``, less
   ``SETTLE_MARGIN`` for transactions that committed late; every ticket on a
   first run) are looked at: their open alerts close if they settled
   (resolved, closed, cancelled; sign-for alerts once signed for), and their
   schedule (``AlertDue``: warning, overdue, not signed for in time, each
   escalation step, with its moment) is worked out again from their deadlines
   with one ``INSERT … SELECT``.
2. Every scheduled alert whose moment has passed is inserted into the alerts
   by one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` and leaves the schedule.
   The unique constraint ``(workorder, kind, level)`` decides: a sweep re-run
   after a crash or a redelivered task adds nothing twice, and since the
   schedule is rebuilt from the tickets' own deadlines, nothing is missed.
3. Notifications for the new alerts (ids above the maximum before step 2).

Statements are built from ORM querysets wrapped in ``INSERT … SELECT``, so the
same code runs on PostgreSQL and on the embedded SQLite.
"""

import logging
import zlib
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from grids.models import ANCESTRY_FIELDS, Role
from workorders.models import OPEN_STATUSES, SWEPT_STATUSES, Status, WorkOrder

from .models import Alert, AlertDue, AlertKind, EscalationStep, Notification, SweepMark

logger = logging.getLogger(__name__)

_LOCK_KEY = zlib.crc32(b"dispatch.alerts_sweep")
# Who hears of an alert on the ticket's own unit when nobody owns the ticket,
# and who hears of an escalation at the unit above.
UNIT_STAFF = (
    Role.GRID_WORKER,
    Role.PART_TIME_GRID_WORKER,
    Role.CADRE,
    Role.DISPATCHER,
    Role.COMMANDER,
)
SUPERVISORS = (Role.COMMANDER, Role.DISPATCHER, Role.CADRE)
DUE_COLUMNS = ("workorder", "kind", "level", "unit", "due_at", "until")
ALERT_COLUMNS = ("workorder", "kind", "level", "unit", "due_at", "raised_at")
SETTLE_MARGIN = timedelta(minutes=5)
MARK = "swept"


@dataclass(frozen=True)
class SweepResult:
    raised: int
    notified: int
    closed: int
    rescheduled: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Epoch(Func):
    """Seconds since 1970 of a datetime column, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)"
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
        )


class FromEpoch(Func):
    """The datetime of a number of seconds since 1970."""

    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="to_timestamp(%(expressions)s)"
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="datetime(%(expressions)s, 'unixepoch')"
        )


def alerts_sweep(*, now=None) -> SweepResult:
    """Settle and reschedule changed tickets, raise every due alert once,
    notify its recipients.

    ``now`` is the moment deadlines are judged by (tests pass a later one);
    changes are tracked by the wall clock, which ``updated_at`` follows.
    Idempotent and safe to run concurrently: sweeps queue on one lock, and
    the unique constraint refuses a second row for a ticket, kind and level.
    """
    started = timezone.now()
    now = now or started
    with transaction.atomic():
        _lock()
        mark = SweepMark.objects.filter(name=MARK).first()
        changed = WorkOrder.objects.all()
        if mark is not None:
            changed = changed.filter(updated_at__gte=mark.at - SETTLE_MARGIN)
        closed = _alerts_close_settled(changed, now)
        rescheduled = _schedule(changed)
        before = Alert.objects.aggregate(last=Max("id"))["last"] or 0
        raised = _raise_due(now)
        notified = _notifications_insert(after_id=before, now=now) if raised else 0
        SweepMark.objects.update_or_create(name=MARK, defaults={"at": started})
    result = SweepResult(
        raised=raised, notified=notified, closed=closed, rescheduled=rescheduled
    )
    if raised or closed:
        logger.info("alerts sweep", extra=result.as_dict())
    return result


def schedule_reset() -> None:
    """Make the next sweep work out every running ticket's schedule again
    (after the escalation steps change)."""
    SweepMark.objects.filter(name=MARK).delete()


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _alerts_close_settled(changed: QuerySet, now) -> int:
    """Open alerts of changed tickets that are resolved, closed or cancelled;
    sign-for alerts of tickets signed for since."""
    settled = ~Q(workorder__status__in=OPEN_STATUSES) | Q(
        kind=AlertKind.SIGN_OVERDUE, workorder__accepted_at__isnull=False
    )
    alerts = Alert.objects.filter(
        settled, closed_at__isnull=True, workorder__in=changed.values("id")
    )
    return Alert.objects.filter(id__in=alerts.values("id")).update(closed_at=now)


def _schedule(changed: QuerySet) -> int:
    """Work out again the alerts the changed tickets will owe, and when."""
    AlertDue.objects.filter(workorder__in=changed.values("id")).delete()
    running = changed.filter(status__in=SWEPT_STATUSES)
    parts = [
        _due_rows(
            running, AlertKind.WARNING, due_at=F("warn_at"), until=F("resolve_deadline")
        ),
        _due_rows(running, AlertKind.OVERDUE, due_at=F("resolve_deadline")),
        _due_rows(
            running.filter(status=Status.DISPATCHED, sign_deadline__isnull=False),
            AlertKind.SIGN_OVERDUE,
            due_at=F("sign_deadline"),
        ),
    ]
    allowed = Epoch("resolve_deadline") - Epoch("created_at")
    for step in EscalationStep.objects.all():
        target = _ancestor(step.levels_up)
        threshold = Epoch("created_at") + allowed * Value(float(step.multiple))
        parts.append(
            _due_rows(
                running.alias(target=target).filter(target__isnull=False),
                AlertKind.ESCALATION,
                level=step.levels_up,
                unit=target,
                due_at=FromEpoch(threshold),
            )
        )
    first, *rest = parts
    return _insert(AlertDue, first.union(*rest, all=True), DUE_COLUMNS)


def _due_rows(tickets, kind, *, due_at, level=0, unit=None, until=None):
    """``tickets`` as schedule rows (``DUE_COLUMNS`` order), unless already raised."""
    raised = Alert.objects.filter(workorder=OuterRef("pk"), kind=kind, level=level)
    return (
        tickets.filter(~Exists(raised))
        .order_by()
        .annotate(
            d_kind=Value(str(kind)),
            d_level=Value(level, output_field=IntegerField()),
            d_unit=unit if unit is not None else F("unit_id"),
            d_due=due_at,
            d_until=until if until is not None else Value(None, DateTimeField()),
        )
        .values_list("pk", "d_kind", "d_level", "d_unit", "d_due", "d_until")
    )


def _ancestor(levels_up: int):
    """The id of the unit ``levels_up`` above the ticket's, from the ticket's own
    ancestry ids (the deepest one set is its unit's level); NULL past the root."""
    fields = list(ANCESTRY_FIELDS)
    return Case(
        *(
            When(**{f"{field}__isnull": False}, then=F(fields[depth - levels_up]))
            for depth, field in reversed(list(enumerate(fields)))
            if depth >= levels_up
        ),
        default=None,
        output_field=IntegerField(),
    )


def _raise_due(now) -> int:
    """Scheduled alerts whose moment has passed become alerts; they (and
    warnings whose deadline passed first) leave the schedule. Only for tickets
    still running: one settled (or removed) since it was scheduled owes none."""
    fallen_due = AlertDue.objects.filter(due_at__lte=now)
    rows = (
        fallen_due.filter(
            Q(until__isnull=True) | Q(until__gt=now),
            workorder__status__in=SWEPT_STATUSES,
        )
        .order_by("due_at", "id")
        .annotate(raised=Value(now, DateTimeField()))
        .values_list("workorder_id", "kind", "level", "unit_id", "due_at", "raised")
    )
    raised = _insert(Alert, rows, ALERT_COLUMNS)
    fallen_due.delete()
    return raised


def _notifications_insert(*, after_id: int, now) -> int:
    """Owners hear of their tickets' alerts; with no owner, the unit's staff do;
    the unit's supervisors hear of escalations."""
    new = Alert.objects.filter(id__gt=after_id)
    to_owners = new.filter(level=0, workorder__owner__isnull=False).values_list(
        F("workorder__owner_id"), "id", Value(now)
    )
    to_staff = (
        new.filter(
            Q(level=0, workorder__owner__isnull=True, unit__posts__role__in=UNIT_STAFF)
            | Q(level__gt=0, unit__posts__role__in=SUPERVISORS),
            unit__posts__is_active=True,
        )
        .order_by()
        .values_list(F("unit__posts__user_id"), "id", Value(now))
    )
    return _insert(
        Notification,
        to_owners.order_by().union(to_staff, all=True),
        ("user", "alert", "created_at"),
    )


def _insert(model, rows: QuerySet, columns) -> int:
    """``INSERT INTO model (columns) <rows> ON CONFLICT DO NOTHING``; rows written."""
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) {select} "
            "ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount
