"""Review periods in Asia/Shanghai local time.

A period is a half-open interval of local days ``[start, end)``:

- daily: one local day, 00:00 to the next 00:00;
- weekly: Monday 00:00 to the next Monday 00:00 (ISO weeks);
- monthly: the 1st 00:00 to the 1st of the next month 00:00.

A moment belongs to the period when ``start_at <= moment < end_at``: an event
at exactly midnight opens the new day, it does not close the old one. China
keeps no daylight saving time, so every day is 24 hours long. The times are
Asia/Shanghai whatever ``TIME_ZONE`` says, because the office's day is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Kind

CHINA = ZoneInfo("Asia/Shanghai")
# The days a period may hold: wide enough for any record, narrow enough that
# the period after and the year before always exist.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def containing(cls, kind: str, day: date) -> "Period":
        """The period of ``kind`` that holds the local day ``day``.

        ValueError for an unknown kind or a day outside ``FIRST_DAY`` to
        ``LAST_DAY``.
        """
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(f"{day} is outside {FIRST_DAY} to {LAST_DAY}")
        if kind == Kind.DAILY:
            return cls(kind, day, day + timedelta(days=1))
        if kind == Kind.WEEKLY:
            start = day - timedelta(days=day.weekday())
            return cls(kind, start, start + timedelta(days=7))
        if kind == Kind.MONTHLY:
            start = day.replace(day=1)
            return cls(kind, start, _next_month(start))
        raise ValueError(f"unknown kind {kind!r}")

    @classmethod
    def starting(cls, kind: str, start: date) -> "Period":
        """The period that starts on ``start``; ValueError if none does."""
        period = cls.containing(kind, start)
        if period.start != start:
            raise ValueError(f"{start} does not start a {kind} period")
        return period

    @classmethod
    def last_ended(cls, kind: str, now: datetime | None = None) -> "Period":
        """The latest period that is over at ``now`` (the one a schedule reports)."""
        today = local_date(now or timezone.now())
        return cls.containing(kind, today).previous()

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), CHINA)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), CHINA)

    @property
    def last(self) -> date:
        """The period's last day."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [
            self.start + timedelta(days=n) for n in range((self.end - self.start).days)
        ]

    def previous(self) -> "Period":
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def following(self) -> "Period":
        return Period.containing(self.kind, self.end)

    def last_year(self) -> "Period":
        """The same period a year earlier: the same date (28 Feb for 29 Feb),
        the week 52 weeks earlier (same weekday span), the same month."""
        if self.kind == Kind.WEEKLY:
            return Period.containing(self.kind, self.start - timedelta(weeks=52))
        try:
            day = self.start.replace(year=self.start.year - 1)
        except ValueError:  # 29 February
            day = self.start.replace(year=self.start.year - 1, day=28)
        return Period.containing(self.kind, day)

    def is_over(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.end_at

    def label(self) -> str:
        """How people name it: 2026-11-26, 2026-W48 (11-23 – 11-29), 2026-11."""
        if self.kind == Kind.DAILY:
            return formats.date_format(self.start, "Y-m-d")
        if self.kind == Kind.WEEKLY:
            year, week, _weekday = self.start.isocalendar()
            last = self.end - timedelta(days=1)
            return _("%(year)d week %(week)d (%(first)s – %(last)s)") % {
                "year": year,
                "week": week,
                "first": formats.date_format(self.start, "m-d"),
                "last": formats.date_format(last, "m-d"),
            }
        return formats.date_format(self.start, "Y-m")

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
