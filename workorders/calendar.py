"""Working days on the official Chinese calendar, for ticket deadlines (办理时限).

Which dates are working days (工作日)
------------------------------------
For a date, the first of these that has an answer decides:

1. a ``CalendarDay`` row for that date (admin overrides: a year the package does
   not cover yet, or a local decision);
2. the ``chinese_calendar`` package: the State Council schedule with its
   holidays and make-up workdays (调休). Version 1.11.0 covers 2004–2026
   (``PACKAGE_YEARS``);
3. for any other year: Monday to Friday are working days, Saturday and Sunday
   are not.

So ``is_workday`` answers for every ``date`` from year 1 to 9999 and never
raises for a year outside the package's data.

Two kinds of SLA rule
---------------------
Hour-based rules ("reply within 24 hours") run on the wall clock: the deadline
is ``start + timedelta(hours=n)``, whatever the calendar says; there is
deliberately no ``add_working_hours``. Day-based rules ("resolve within 5
working days") run on this calendar through ``add_working_days``.

Working time
------------
All arithmetic happens in Asia/Shanghai local time. *Working time* is the time
that lies within working days: a working day contributes its whole 24 hours
(00:00–24:00 local time), a non-working day contributes nothing. A moment on a
non-working day therefore sits at the same point of working time as 00:00 of
the next working day. ``add_working_days(start, n)`` is the moment exactly
``n × 24`` hours of working time after ``start``; ``working_time_between``
measures working time; ``deadline_after_pause`` carries the working time left
at a suspension (挂起) over to its resumption. Where several moments share one
point of working time (a weekend or holiday gap), the answer is always the one
on a working day: 00:00 of the next working day. A deadline hence never falls
inside a holiday.

Every function takes and returns timezone-aware datetimes (results are in
Asia/Shanghai) and raises ``ValueError`` for a naive one.

Speed
-----
Callers compute deadlines for thousands of tickets a second, so nothing here
queries per call. Each process keeps one in-memory snapshot: all
``CalendarDay`` rows (one query; a few dozen rows a year) and, built lazily per
year, a table of that year's working days (a flag per day and the sorted list
of working-day ordinals, searched with ``bisect``). ``calendar_changed`` drops
the snapshot here and bumps a version in Django's cache; every other process
asks the cache for the version at most every ``VERSION_CHECK_SECONDS`` and
rebuilds when it moved, as ``grids.geo`` does for grid boundaries.
"""

import functools
import logging
import threading
import time
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jintan.errors import DomainError

from .models import CalendarDay

logger = logging.getLogger(__name__)

CHINA = ZoneInfo("Asia/Shanghai")
# The years whose official schedule the package carries; the package raises
# NotImplementedError outside them (its own check uses the same bounds).
PACKAGE_YEARS = (
    min(chinese_calendar.holidays).year,
    max(chinese_calendar.holidays).year,
)
VERSION_KEY = "workorders:calendar-version"
# How often a process asks the cache whether the overrides changed.
VERSION_CHECK_SECONDS = 2.0

_DAY = timedelta(days=1)
_US_PER_DAY = 86_400_000_000


# -- the per-process calendar ---------------------------------------------------


class _Year(NamedTuple):
    first: int  # ordinal of 1 January
    flags: bytes  # flags[ordinal - first] is 1 on a working day
    working: list[int]  # ordinals of the working days, ascending


@functools.cache
def _package_flags(year: int) -> bytes | None:
    """The package's verdict for every day of ``year``; None outside its data."""
    if not PACKAGE_YEARS[0] <= year <= PACKAGE_YEARS[1]:
        return None
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    return bytes(
        chinese_calendar.is_workday(date.fromordinal(day))
        for day in range(first, last + 1)
    )


def _weekday_flags(year: int) -> bytes:
    first = date(year, 1, 1)
    count = (date(year, 12, 31) - first).days + 1
    return bytes((first.weekday() + i) % 7 < 5 for i in range(count))


class _Calendar:
    """One immutable-in-effect snapshot; a refresh replaces it whole.

    A class because a computation grabs one snapshot and uses it throughout,
    so a concurrent refresh in another thread can never mix old and new data.
    """

    def __init__(self, overrides: dict[date, bool], version):
        self.version = version
        self.checked_at = time.monotonic()
        self._overrides: dict[int, dict[date, bool]] = {}
        for day, working in overrides.items():
            self._overrides.setdefault(day.year, {})[day] = working
        self._years: dict[int, _Year] = {}

    def year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build(year)
        return table

    def is_working(self, ordinal: int, year: int) -> bool:
        table = self.year(year)
        return table.flags[ordinal - table.first] == 1

    def _build(self, year: int) -> _Year:
        if not 1 <= year <= 9999:
            raise OverflowError(
                f"working-day arithmetic left the calendar (year {year})"
            )
        flags = bytearray(_package_flags(year) or _weekday_flags(year))
        first = date(year, 1, 1).toordinal()
        for day, working in self._overrides.get(year, {}).items():
            flags[day.toordinal() - first] = working
        working_days = [first + i for i, flag in enumerate(flags) if flag]
        return _Year(first=first, flags=bytes(flags), working=working_days)


_lock = threading.Lock()
_current: _Calendar | None = None


def _calendar() -> _Calendar:
    global _current
    snapshot = _current
    now = time.monotonic()
    if snapshot is not None and now - snapshot.checked_at < VERSION_CHECK_SECONDS:
        return snapshot
    with _lock:
        snapshot = _current
        if snapshot is not None and now - snapshot.checked_at < VERSION_CHECK_SECONDS:
            return snapshot
        # Read the version before the rows: a change committed in between then
        # shows up as a newer version at the next check, never as stale data
        # stamped with a new version.
        version = cache.get(VERSION_KEY, 0)
        if snapshot is None or snapshot.version != version:
            overrides = {
                day: kind == CalendarDay.Kind.WORKDAY
                for day, kind in CalendarDay.objects.values_list("date", "kind")
            }
            snapshot = _Calendar(overrides, version)
        else:
            snapshot.checked_at = now
        _current = snapshot
    return snapshot


def calendar_changed() -> None:
    """Make this process reload the overrides now and every other within seconds."""
    global _current
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    with _lock:
        _current = None


# -- walking over working days ---------------------------------------------------


def _year_of(ordinal: int) -> int:
    return date.fromordinal(ordinal).year


def _shift(cal: _Calendar, ordinal: int, count: int) -> int:
    """The ordinal of the ``count``-th working day after ``ordinal`` (before, if
    negative); ``ordinal`` itself for 0."""
    if count == 0:
        return ordinal
    year = _year_of(ordinal)
    table = cal.year(year)
    if count > 0:
        index = bisect_right(table.working, ordinal)
        while index + count > len(table.working):
            count -= len(table.working) - index
            year += 1
            table, index = cal.year(year), 0
        return table.working[index + count - 1]
    count = -count
    index = bisect_left(table.working, ordinal)
    while index < count:
        count -= index
        year -= 1
        table = cal.year(year)
        index = len(table.working)
    return table.working[index - count]


def _count(cal: _Calendar, start: int, end: int) -> int:
    """How many working days lie in [start, end) (ordinals, start <= end)."""
    first_year, last_year = _year_of(start), _year_of(end)
    first, last = cal.year(first_year), cal.year(last_year)
    if first_year == last_year:
        return bisect_left(first.working, end) - bisect_left(first.working, start)
    total = len(first.working) - bisect_left(first.working, start)
    for year in range(first_year + 1, last_year):
        total += len(cal.year(year).working)
    return total + bisect_left(last.working, end)


def _local(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(CHINA)


def _position(cal: _Calendar, local: datetime) -> tuple[int, int]:
    """Where a local moment sits in working time: (working day, µs into it)."""
    ordinal = local.toordinal()
    if cal.is_working(ordinal, local.year):
        into = (
            (local.hour * 60 + local.minute) * 60 + local.second
        ) * 1_000_000 + local.microsecond
        return ordinal, into
    return _shift(cal, ordinal, 1), 0


def _moment(ordinal: int, microseconds: int) -> datetime:
    midnight = datetime.fromordinal(ordinal).replace(tzinfo=CHINA)
    return midnight + timedelta(microseconds=microseconds)


def _advance(cal: _Calendar, local: datetime, amount: timedelta) -> datetime:
    """The moment ``amount`` of working time after (or before) ``local``."""
    ordinal, into = _position(cal, local)
    days, into = divmod(into + amount // timedelta(microseconds=1), _US_PER_DAY)
    return _moment(_shift(cal, ordinal, days), into)


# -- the public functions --------------------------------------------------------


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day: override, else package, else Mon–Fri.

    Never raises for a ``date``. An aware ``datetime`` is read as its date in
    Asia/Shanghai; a naive one raises ``ValueError``.
    """
    if isinstance(day, datetime):
        day = _local(day, "day").date()
    elif not isinstance(day, date):
        raise TypeError(f"day must be a date, not {type(day).__name__}")
    return _calendar().is_working(day.toordinal(), day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The deadline ``days`` working days after ``start``, in Asia/Shanghai.

    - ``start`` on a working day: the same local clock time on the ``days``-th
      working day after the start day. Tuesday 15:20 + 3 → Friday 15:20;
      Friday 18:00 + 1 → the next working day (Monday) at 18:00.
    - ``start`` on a non-working day (weekend, holiday): the ticket counts as
      received at 00:00 of the next working day (受理顺延), and the deadline is
      00:00 of the ``days``-th working day after that one. Saturday 10:00 + 1 →
      Tuesday 00:00, i.e. all of Monday to handle it.
    - ``days == 0`` gives the start itself (moved to 00:00 of the next working
      day if it is on a non-working day).

    Why: this is how 12345 platforms read "N 个工作日": every ticket gets N whole
    working days whatever the hour it arrived, and time on weekends and
    holidays does not count. The deadline always lies on a working day, so the
    overdue sweep never fires in the middle of a holiday. And the working time
    between ``start`` and the deadline is exactly ``days × 24`` hours (see the
    module docstring), which keeps ``deadline_after_pause`` exact.

    The date part of the deadline (D) satisfies: the number of working days in
    [start date, D) is ``days``. Raises ``ValueError`` for a naive ``start`` or
    negative ``days``; ``OverflowError`` past the year 9999.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, not {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    local = _local(start, "start")
    cal = _calendar()
    ordinal = local.toordinal()
    if cal.is_working(ordinal, local.year):
        # Same clock time, whole days later: plain wall-clock arithmetic.
        return local + (_shift(cal, ordinal, days) - ordinal) * _DAY
    received = _shift(cal, ordinal, 1)
    return _moment(_shift(cal, received, days), 0)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """The working time from ``start`` to ``end`` (negative if ``end`` is earlier).

    Only the parts of the interval on working days count, 24 hours for each
    whole working day. Friday 10:00 → Monday 10:00 on an ordinary weekend is
    one day; Saturday → Sunday is zero.
    """
    cal = _calendar()
    start_day, start_into = _position(cal, _local(start, "start"))
    end_day, end_into = _position(cal, _local(end, "end"))
    if (start_day, start_into) <= (end_day, end_into):
        days = _count(cal, start_day, end_day)
    else:
        days = -_count(cal, end_day, start_day)
    return timedelta(days=days, microseconds=end_into - start_into)


def deadline_after_pause(
    deadline: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    working_days: bool,
) -> datetime:
    """The deadline of a ticket suspended (挂起) at ``paused_at`` and resumed at
    ``resumed_at``: the time that was left at the pause is given back from the
    resumption. Returned in Asia/Shanghai.

    - ``working_days=False`` (hour-based rules, on the wall clock):
      ``deadline + (resumed_at - paused_at)``.
    - ``working_days=True`` (working-day rules): the working time left,
      ``working_time_between(paused_at, deadline)``, re-applied from
      ``resumed_at`` on working days. A pause that covers only non-working
      time changes nothing; a pause from Friday 10:00 to Monday 10:00 moves the
      deadline by one working day. When the result sits on a day boundary it is
      00:00 of a working day, as ``add_working_days`` would give.

    A ticket paused after its deadline stays overdue by the same amount. Raises
    ``ValueError`` for a naive datetime or a resumption before the pause.
    """
    deadline = _local(deadline, "deadline")
    paused = _local(paused_at, "paused_at")
    resumed = _local(resumed_at, "resumed_at")
    if resumed < paused:
        raise ValueError(f"resumed_at {resumed} is before paused_at {paused}")
    if not working_days:
        return (deadline.astimezone(UTC) + (resumed - paused)).astimezone(CHINA)
    remaining = working_time_between(paused, deadline)
    return _advance(_calendar(), resumed, remaining)


# -- writes ----------------------------------------------------------------------


def calendar_day_save(*, actor, calendar_day: CalendarDay) -> CalendarDay:
    """Create or change one override; every process sees it once committed.

    Validates the row (one row per date, a known kind) and raises
    ``DomainError(code="invalid_calendar_day")`` otherwise. The caches are
    invalidated on commit, so a rolled-back save leaves them alone.
    """
    try:
        calendar_day.full_clean()
    except ValidationError as exc:
        raise DomainError(
            _("The calendar day is not valid."),
            code="invalid_calendar_day",
            fields=exc.message_dict,
        ) from exc
    with transaction.atomic():
        calendar_day.save()
        transaction.on_commit(calendar_changed)
    logger.info(
        "calendar day saved",
        extra={
            "calendar_day": calendar_day.pk,
            "date": calendar_day.date.isoformat(),
            "kind": calendar_day.kind,
            "actor": getattr(actor, "pk", None),
        },
    )
    return calendar_day


def calendar_day_delete(*, actor, calendar_day: CalendarDay) -> None:
    """Remove one override; the date falls back to the package (or Mon–Fri)."""
    pk, day = calendar_day.pk, calendar_day.date
    with transaction.atomic():
        calendar_day.delete()
        transaction.on_commit(calendar_changed)
    logger.info(
        "calendar day deleted",
        extra={
            "calendar_day": pk,
            "date": day.isoformat(),
            "actor": getattr(actor, "pk", None),
        },
    )
