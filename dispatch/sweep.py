"""The deadline sweep: raise every alert that is due, exactly once, in one statement.

``alerts_sweep`` is the only writer of alerts. It takes one lock per database
(a PostgreSQL advisory lock; SQLite has a single writer anyway), so alert ids
are committed in increasing order and a browser resuming "after id N" never
misses a row committed late. Inside the lock:

1. alerts of tickets that left the running states are closed (one UPDATE,
   looking only at tickets changed since the previous sweep — ``SweepMark`` —
   less ``SETTLE_MARGIN`` for transactions that committed late);
2. every alert that is due and missing is inserted by one ``INSERT … SELECT …
   ON CONFLICT DO NOTHING``: warnings, overdue, not signed for in time and each
   escalation step, built as one ``UNION ALL`` of ORM querysets (so the same
   code runs on PostgreSQL and SQLite). ``NOT EXISTS`` skips rows already
   there; the unique constraint ``(workorder, kind, level)`` is what finally
   decides, so a sweep re-run after a crash or a redelivered task adds nothing
   twice and, since deadlines live in the ticket rows, misses nothing;
3. notifications for the new alerts (ids above the maximum before step 2) are
   inserted the same way.

A sweep that finds nothing new reads only open tickets past a threshold
from the partial covering indexes ``wo_sweep`` and ``wo_sweep_sign``.
"""

import logging
import zlib
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
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
from workorders.models import SWEPT_STATUSES, Status, WorkOrder

from .models import Alert, AlertKind, EscalationStep, Notification, SweepMark

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
ALERT_COLUMNS = ("workorder", "kind", "level", "unit", "due_at", "raised_at")
RUNNING = tuple(SWEPT_STATUSES) + (Status.SUSPENDED,)
SETTLE_MARGIN = timedelta(minutes=5)
SETTLED_MARK = "settled"


@dataclass(frozen=True)
class SweepResult:
    raised: int
    notified: int
    closed: int

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


def alerts_sweep(*, now=None) -> SweepResult:
    """Close settled alerts, raise every due one once, notify its recipients.

    Idempotent and safe to run concurrently: sweeps queue on one lock, and
    the unique constraint refuses a second row for a ticket, kind and level.
    """
    started = timezone.now()
    now = now or started
    with transaction.atomic():
        _lock()
        closed = _alerts_close_settled(now, started)
        before = Alert.objects.aggregate(last=Max("id"))["last"] or 0
        raised = _insert(Alert, _alerts_due(now), ALERT_COLUMNS)
        notified = _notifications_insert(after_id=before, now=now) if raised else 0
    result = SweepResult(raised=raised, notified=notified, closed=closed)
    if raised or closed:
        logger.info("alerts sweep", extra=result.as_dict())
    return result


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _alerts_close_settled(now, started) -> int:
    """Alerts of tickets that are resolved, closed or cancelled; sign-for
    alerts of tickets signed for since. Only tickets changed since the last
    mark are looked at (all of them on the first run); ``updated_at`` is
    wall-clock time, so the mark is too, whatever ``now`` the sweep judges by."""
    mark = SweepMark.objects.filter(name=SETTLED_MARK).first()
    settled = ~Q(workorder__status__in=RUNNING) | Q(
        kind=AlertKind.SIGN_OVERDUE, workorder__accepted_at__isnull=False
    )
    alerts = Alert.objects.filter(closed_at__isnull=True).filter(settled)
    if mark is not None:
        alerts = alerts.filter(workorder__updated_at__gte=mark.at - SETTLE_MARGIN)
    closed = Alert.objects.filter(id__in=alerts.values("id")).update(closed_at=now)
    SweepMark.objects.update_or_create(name=SETTLED_MARK, defaults={"at": started})
    return closed


def _alerts_due(now) -> QuerySet:
    """One UNION ALL of every alert that is due and not yet written."""
    running = WorkOrder.objects.filter(status__in=SWEPT_STATUSES)
    overdue = running.filter(resolve_deadline__lte=now)
    parts = [
        _alert_rows(
            running.filter(warn_at__lte=now, resolve_deadline__gt=now),
            AlertKind.WARNING,
            due_at=F("warn_at"),
            now=now,
        ),
        _alert_rows(overdue, AlertKind.OVERDUE, due_at=F("resolve_deadline"), now=now),
        _alert_rows(
            WorkOrder.objects.filter(status=Status.DISPATCHED, sign_deadline__lte=now),
            AlertKind.SIGN_OVERDUE,
            due_at=F("sign_deadline"),
            now=now,
        ),
    ]
    now_epoch = now.timestamp()
    for step in EscalationStep.objects.all():
        allowed = Epoch("resolve_deadline") - Epoch("created_at")
        threshold = Epoch("created_at") + allowed * Value(float(step.multiple))
        target = _ancestor(step.levels_up)
        candidates = overdue.alias(threshold=threshold, target=target).filter(
            threshold__lte=now_epoch, target__isnull=False
        )
        parts.append(
            _alert_rows(
                candidates,
                AlertKind.ESCALATION,
                level=step.levels_up,
                unit=target,
                due_at=F("resolve_deadline"),
                now=now,
            )
        )
    first, *rest = parts
    return first.union(*rest, all=True)


def _alert_rows(tickets, kind, *, due_at, now, level=0, unit=None):
    """``tickets`` as alert rows (in ``ALERT_COLUMNS`` order), skipping existing."""
    existing = Alert.objects.filter(workorder=OuterRef("pk"), kind=kind, level=level)
    return (
        tickets.filter(~Exists(existing))
        .order_by()
        .annotate(
            a_kind=Value(str(kind)),
            a_level=Value(level, output_field=IntegerField()),
            a_unit=unit if unit is not None else F("unit_id"),
            a_due=due_at,
            a_raised=Value(now),
        )
        .values_list("pk", "a_kind", "a_level", "a_unit", "a_due", "a_raised")
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
