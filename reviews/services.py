"""Writes of the reviews: report snapshots and daily logs.

Each function runs in one transaction. Reports are upserted on their unique
(unit, kind, period) key, so generating a period twice, twice at once, or
from a redelivered task leaves exactly one row.
"""

import hashlib
import logging
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Level, OrgUnit
from jintan.errors import Conflict, DomainError

from .figures import figures_compute
from .models import Report, WorkLog
from .periods import Period, local_date
from .selectors import REPORT_LEVELS, worklogs_compile_day

logger = logging.getLogger(__name__)

# The schedule reports on these levels; anything below is on demand.
SCHEDULED_LEVELS = (Level.DISTRICT, Level.TOWN)
# Attempts at a generation whose REPEATABLE READ snapshot lost a race.
RETRIES = 3


def report_generate(*, actor, unit: OrgUnit, period: Period) -> tuple[Report, bool]:
    """Compute the unit's figures for a period that is over and store them.

    Returns ``(report, created)``. Generating again replaces the figures and
    the time of generation in place (same row, same id); the unique
    constraint decides between two runs at once, and an advisory lock makes
    the second wait for the first and then replace its figures. The figures
    are read in one transaction, at REPEATABLE READ when this is the
    outermost one, so every statement sees the same tickets. A period not
    yet over is refused (``Conflict``): its figures would still change.
    """
    if not period.is_over():
        raise Conflict(
            _("The period %(period)s is not over yet.") % {"period": period.label()},
            code="period_not_over",
            fields={"period": [period.start.isoformat()]},
        )
    if unit.level not in REPORT_LEVELS:
        raise DomainError(
            _("A central household has no tickets of its own to report on."),
            code="invalid",
            fields={"unit": [unit.get_level_display()]},
        )
    outermost = not connection.in_atomic_block
    for attempt in range(1, RETRIES + 1):
        try:
            existed = _report_store(actor, unit, period)
            break
        except OperationalError as error:
            # A writer outside the lock (a generation nested in a caller's
            # transaction) committed the row after this snapshot: read again.
            serialization = getattr(error.__cause__, "sqlstate", "") == "40001"
            if not (outermost and serialization) or attempt == RETRIES:
                raise
    report = Report.objects.select_related("unit", "generated_by").get(
        unit=unit, kind=period.kind, period_start=period.start
    )
    logger.info(
        "report generated",
        extra={"kind": period.kind, "period": str(period.start), "unit": unit.pk},
    )
    return report, not existed


def _report_store(actor, unit: OrgUnit, period: Period) -> bool:
    """Compute and upsert in one transaction; whether the row existed before."""
    with _generation_lock(unit, period), transaction.atomic():
        _repeatable_read()
        figures = figures_compute(unit, period)
        existed = Report.objects.filter(
            unit=unit, kind=period.kind, period_start=period.start
        ).exists()
        Report.objects.bulk_create(
            [
                Report(
                    kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    unit=unit,
                    figures=figures,
                    generated_at=timezone.now(),
                    generated_by=actor,
                )
            ],
            update_conflicts=True,
            unique_fields=["unit", "kind", "period_start"],
            update_fields=["period_end", "figures", "generated_at", "generated_by"],
        )
    return existed


@contextmanager
def _generation_lock(unit: OrgUnit, period: Period):
    """One generation of a report at a time (PostgreSQL), the next waits.

    Taken before the transaction begins, so the waiting generation's snapshot
    already holds the row the first one committed and updates it; at
    REPEATABLE READ an upsert on a row committed after the snapshot fails
    instead.
    """
    if connection.vendor != "postgresql":
        yield
        return
    digest = hashlib.blake2b(
        f"reviews.report:{period.kind}:{period.start}:{unit.pk}".encode(), digest_size=8
    ).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _repeatable_read():
    """One snapshot for every statement of the generation (PostgreSQL).

    Only possible as the transaction's first statement, so only when this
    block is the outermost one; nested (a test, a request wrapped by the
    idempotency middleware) it reads at the caller's isolation.
    """
    if connection.vendor != "postgresql":
        return
    if len(connection.savepoint_ids) or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def scheduled_units() -> list[OrgUnit]:
    """The units the schedule reports on: every active unit at town level and up."""
    return list(
        OrgUnit.objects.filter(level__in=SCHEDULED_LEVELS, is_active=True).order_by(
            "tree_id", "lft"
        )
    )


def reports_missing(*, kind: str, period: Period) -> list[int]:
    """Ids of scheduled units that have no report of ``period`` yet."""
    done = set(
        Report.objects.filter(kind=kind, period_start=period.start).values_list(
            "unit_id", flat=True
        )
    )
    return [unit.pk for unit in scheduled_units() if unit.pk not in done]


# -- daily logs ----------------------------------------------------------------


def worklog_day_closed(day: date, log: WorkLog | None = None) -> bool:
    """A day's note is writable today and yesterday until the night's close."""
    if log is not None and log.closed_at is not None:
        return True
    return day < local_date(timezone.now()) - timedelta(days=1)


def worklog_note_write(*, actor, day: date, note: str) -> WorkLog:
    """Write or amend the actor's own note of ``day``; only their own.

    Locks the day's row; a closed day raises ``Conflict`` (409) and writes
    nothing, a future day ``DomainError`` (400).
    """
    if day > local_date(timezone.now()):
        raise DomainError(
            _("That day has not begun yet."),
            code="invalid",
            fields={"day": [day.isoformat()]},
        )
    if worklog_day_closed(day):
        raise _closed(day)
    with transaction.atomic():
        log, _created = WorkLog.objects.get_or_create(user=actor, day=day)
        log = WorkLog.objects.select_for_update().get(pk=log.pk)
        if worklog_day_closed(day, log):
            raise _closed(day)
        log.note = note
        log.save(update_fields=["note", "updated_at"])
    return log


def _closed(day: date) -> Conflict:
    return Conflict(
        _("The log of %(day)s is closed.") % {"day": day.isoformat()},
        code="day_closed",
        fields={"day": [day.isoformat()]},
    )


def worklogs_close(*, day: date) -> int:
    """Close every log of ``day``: compile each worker's day and freeze it.

    One row for everyone who wrote a note or acted on a ticket that day;
    their notes are kept, the compiled log stored, ``closed_at`` set. Closing
    a day again recompiles it and keeps the first closing time; returns how
    many logs the day has.
    """
    now = timezone.now()
    with transaction.atomic():
        compiled = worklogs_compile_day(day)
        noted = set(WorkLog.objects.filter(day=day).values_list("user_id", flat=True))
        empty = worklogs_compile_day(day, users=noted - set(compiled))
        compiled.update(empty)
        WorkLog.objects.bulk_create(
            [
                WorkLog(user_id=user_id, day=day, figures=figures, closed_at=now)
                for user_id, figures in compiled.items()
            ],
            update_conflicts=True,
            unique_fields=["user", "day"],
            update_fields=["figures", "updated_at"],
        )
        WorkLog.objects.filter(day=day, closed_at__isnull=True).update(closed_at=now)
    return len(compiled)
