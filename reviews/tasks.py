"""Celery tasks of the reviews: the three scheduled runs and one report each.

The beat runs ``reviews.daily_close`` shortly after midnight,
``reviews.weekly_generate`` on Monday and ``reviews.monthly_generate`` on the
1st (Asia/Shanghai; ``CELERY_BEAT_SCHEDULE``). A scheduled run carries no
date: it looks at the last few periods that are over and queues
``reviews.report_generate`` for each scheduled unit still without a report, so
a run lost, late or repeated leaves every report there exactly once, and the
next run catches up whatever a stopped beat missed.
"""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from grids.models import OrgUnit

from . import services
from .models import Kind, Report, WorkLog
from .periods import Period, local_date

logger = logging.getLogger(__name__)

# How many past periods a scheduled run looks back over to catch up.
CATCH_UP = {Kind.DAILY: 3, Kind.WEEKLY: 2, Kind.MONTHLY: 2}


@shared_task(
    name="reviews.report_generate",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def report_generate(
    kind: str, period_start: str, unit_id: int, replace: bool = False
) -> bool:
    """Generate one unit's report of one period; True when it wrote one.

    Takes ids and an ISO date. Without ``replace`` an existing report is kept
    (a redelivered task does nothing twice); with it, the report is
    generated again in place.
    """
    period = Period.starting(kind, date.fromisoformat(period_start))
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return False
    exists = Report.objects.filter(
        unit=unit, kind=kind, period_start=period.start
    ).exists()
    if exists and not replace:
        return False
    services.report_generate(actor=None, unit=unit, period=period)
    return True


def _schedule(kind: str) -> int:
    """Queue the reports missing for the last periods of ``kind``."""
    period = Period.last_ended(kind)
    queued = 0
    for _n in range(CATCH_UP[kind]):
        for unit_id in services.reports_missing(kind=kind, period=period):
            report_generate.delay(kind, period.start.isoformat(), unit_id)
            queued += 1
        period = period.previous()
    logger.info("reports queued", extra={"kind": kind, "queued": queued})
    return queued


@shared_task(name="reviews.daily_close", ignore_result=True)
def daily_close() -> dict[str, int]:
    """After midnight: close the daily logs of the days gone, queue the daily
    records missing."""
    yesterday = local_date(timezone.now()) - timedelta(days=1)
    days = {yesterday} | set(
        WorkLog.objects.filter(day__lt=yesterday, closed_at__isnull=True)
        .values_list("day", flat=True)
        .distinct()
    )
    logs = sum(services.worklogs_close(day=day) for day in sorted(days))
    return {"logs": logs, "reports": _schedule(Kind.DAILY)}


@shared_task(name="reviews.weekly_generate", ignore_result=True)
def weekly_generate() -> int:
    """Monday: queue last week's summaries (and any missed before it)."""
    return _schedule(Kind.WEEKLY)


@shared_task(name="reviews.monthly_generate", ignore_result=True)
def monthly_generate() -> int:
    """The 1st: queue last month's analyses (and any missed before it)."""
    return _schedule(Kind.MONTHLY)
