"""Working-day deadlines on the official calendar (workorders.calendar).

The 2025 dates below are the State Council's schedule, as chinese_calendar
1.11.0 carries it (checked against the package's data):
- Spring Festival 2025: Jan 28 – Feb 4 off; Sun Jan 26 and Sat Feb 8 worked.
- National Day + Mid-Autumn 2025: Oct 1 – 8 off; Sun Sep 28 and Sat Oct 11
  worked.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jintan.errors import DomainError
from workorders import calendar
from workorders.calendar import (
    PACKAGE_YEARS,
    add_working_days,
    calendar_changed,
    calendar_day_delete,
    calendar_day_save,
    deadline_after_pause,
    is_workday,
    working_time_between,
)
from workorders.models import CalendarDay

pytestmark = pytest.mark.django_db

CN = ZoneInfo("Asia/Shanghai")
HOURS = timedelta(hours=1)


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CN)


def official(day: date) -> bool:
    """The reference: the package where it has data, Monday–Friday elsewhere."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar_changed()
    yield
    calendar_changed()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what was scheduled on commit (the invalidation) as a commit would.

    The test's own transaction never commits, so ``on_commit`` callbacks are
    collected inside the block and run as it exits.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def override(committed):
    def save(day: date, kind: str, name: str = "") -> CalendarDay:
        with committed():
            return calendar_day_save(
                actor=None, calendar_day=CalendarDay(date=day, kind=kind, name=name)
            )

    return save


# -- the package and which days are working days ------------------------------


def test_the_package_covers_2004_to_2026_and_refuses_other_years():
    assert PACKAGE_YEARS == (2004, 2026)
    assert chinese_calendar.is_workday(date(2026, 10, 9)) is True
    for outside in (date(2003, 12, 31), date(2027, 1, 4), date(2031, 1, 1)):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(outside)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Spring Festival 2025
        (date(2025, 1, 25), False),  # Saturday
        (date(2025, 1, 26), True),  # Sunday, make-up workday
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),  # New Year's Eve, first day off
        (date(2025, 1, 29), False),  # 春节
        (date(2025, 2, 3), False),  # Monday off
        (date(2025, 2, 4), False),  # last day off
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, make-up workday
        (date(2025, 2, 9), False),
        # National Day + Mid-Autumn 2025
        (date(2025, 9, 27), False),  # Saturday
        (date(2025, 9, 28), True),  # Sunday, make-up workday
        (date(2025, 9, 30), True),
        (date(2025, 10, 1), False),
        (date(2025, 10, 6), False),  # Mid-Autumn, a Monday
        (date(2025, 10, 8), False),  # last day off, a Wednesday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, make-up workday
        (date(2025, 10, 12), False),
        # An ordinary weekend
        (date(2025, 3, 14), True),
        (date(2025, 3, 15), False),
        (date(2025, 3, 16), False),
        (date(2025, 3, 17), True),
    ],
)
def test_holidays_and_make_up_workdays_of_2025(day, working):
    assert is_workday(day) is working


def test_every_day_agrees_with_the_package_and_weekdays_elsewhere():
    day, last = date(2000, 1, 1), date(2035, 12, 31)
    while day <= last:
        assert is_workday(day) is official(day), day
        day += timedelta(days=1)


def test_years_outside_the_package_are_weekdays_only_and_never_raise():
    assert is_workday(date(2031, 1, 1)) is True  # New Year's Day: no data yet
    assert is_workday(date(2031, 1, 4)) is False  # Saturday
    assert is_workday(date(2003, 10, 1)) is True  # before the package's data
    assert is_workday(date.min) is True  # 0001-01-01, a Monday
    assert is_workday(date.max) is True  # 9999-12-31, a Friday
    assert is_workday(date(9999, 12, 25)) is False  # a Saturday


def test_an_aware_datetime_counts_on_its_shanghai_date():
    # 16:00 UTC on Friday is Saturday 00:00 in Shanghai.
    assert is_workday(datetime(2025, 3, 14, 15, 59, tzinfo=UTC)) is True
    assert is_workday(datetime(2025, 3, 14, 16, 0, tzinfo=UTC)) is False


# -- add_working_days ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        (at(2025, 3, 11, 15, 20), 0, at(2025, 3, 11, 15, 20)),
        (at(2025, 3, 11, 15, 20), 3, at(2025, 3, 14, 15, 20)),  # Tue → Fri
        # Friday evening, 1 working day: Monday, same time.
        (at(2025, 3, 14, 19, 30), 1, at(2025, 3, 17, 19, 30)),
        (at(2025, 3, 14, 19, 30), 5, at(2025, 3, 21, 19, 30)),
        # The day before National Day: the holiday does not count.
        (at(2025, 9, 30, 10), 1, at(2025, 10, 9, 10)),
        (at(2025, 9, 30, 10), 3, at(2025, 10, 11, 10)),  # Saturday, worked
        (at(2025, 9, 30, 10), 4, at(2025, 10, 13, 10)),
        # Friday before the make-up Sunday.
        (at(2025, 9, 26, 17), 1, at(2025, 9, 28, 17)),
        (at(2025, 9, 26, 17), 3, at(2025, 9, 30, 17)),
        # Spring Festival 2025.
        (at(2025, 1, 24, 16), 1, at(2025, 1, 26, 16)),  # Sunday, worked
        (at(2025, 1, 24, 16), 3, at(2025, 2, 5, 16)),
        (at(2025, 1, 27, 9), 1, at(2025, 2, 5, 9)),
        (at(2025, 2, 7, 9), 1, at(2025, 2, 8, 9)),  # Saturday, worked
        (at(2025, 2, 7, 9), 2, at(2025, 2, 10, 9)),
        # Starting on a non-working day: received at 00:00 of the next working
        # day; N working days later at 00:00.
        (at(2025, 3, 15, 10), 0, at(2025, 3, 17)),
        (at(2025, 3, 15, 10), 1, at(2025, 3, 18)),  # all of Monday to work
        (at(2025, 3, 16, 23, 59), 1, at(2025, 3, 18)),  # Sunday: same deadline
        (at(2025, 10, 3, 14), 0, at(2025, 10, 9)),
        (at(2025, 10, 3, 14), 1, at(2025, 10, 10)),
        (at(2025, 10, 3, 14), 2, at(2025, 10, 11)),
        (at(2025, 1, 30, 8), 1, at(2025, 2, 6)),
        # Across the end of the package's data into a weekdays-only year.
        (at(2026, 12, 31, 9), 1, at(2027, 1, 1, 9)),
        (at(2026, 12, 31, 9), 2, at(2027, 1, 4, 9)),
        # 2031: weekends only, New Year's Day still a working day.
        (at(2030, 12, 31, 11), 1, at(2031, 1, 1, 11)),
        (at(2031, 1, 3, 11), 1, at(2031, 1, 6, 11)),
        (at(2031, 1, 4, 11), 1, at(2031, 1, 7)),
    ],
)
def test_add_working_days(start, days, deadline):
    result = add_working_days(start, days)
    assert result == deadline
    assert result.tzinfo == CN
    assert result.isoformat() == deadline.isoformat()


def test_add_working_days_reads_the_start_in_shanghai_time():
    # Friday 23:30 UTC is Saturday 07:30 in Shanghai: counting starts Monday.
    assert add_working_days(datetime(2025, 3, 14, 23, 30, tzinfo=UTC), 1) == at(
        2025, 3, 18
    )
    # Friday 01:30 UTC is Friday 09:30 in Shanghai.
    assert add_working_days(datetime(2025, 3, 14, 1, 30, tzinfo=UTC), 1) == at(
        2025, 3, 17, 9, 30
    )


def test_long_spans_cross_years():
    # 250 working days from 2025-01-02 (a Thursday, working).
    start = at(2025, 1, 2, 9)
    deadline = add_working_days(start, 250)
    day, counted = start.date(), 0
    while day < deadline.date():
        counted += official(day)
        day += timedelta(days=1)
    assert counted == 250
    assert official(deadline.date())
    assert deadline.time() == start.time()


def test_an_override_in_a_year_beyond_the_package_changes_the_result(override):
    start = at(2030, 12, 31, 11)
    assert add_working_days(start, 1) == at(2031, 1, 1, 11)
    override(date(2031, 1, 1), CalendarDay.Kind.HOLIDAY, "元旦")
    assert is_workday(date(2031, 1, 1)) is False
    assert add_working_days(start, 1) == at(2031, 1, 2, 11)
    assert add_working_days(at(2031, 1, 1, 9), 1) == at(2031, 1, 3)


def test_an_override_turns_a_package_holiday_into_a_workday(override):
    assert add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 9, 10)
    override(date(2025, 10, 8), CalendarDay.Kind.WORKDAY, "local duty day")
    assert is_workday(date(2025, 10, 8)) is True
    assert add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 8, 10)
    # ...and a package make-up workday into a day off.
    override(date(2025, 9, 28), CalendarDay.Kind.HOLIDAY)
    assert add_working_days(at(2025, 9, 26, 17), 1) == at(2025, 9, 29, 17)


def test_naive_datetimes_and_negative_days_are_refused():
    naive = datetime(2025, 3, 14, 10)
    aware = at(2025, 3, 14, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_workday(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_between(aware, naive)
    for args in [(naive, aware, aware), (aware, naive, aware), (aware, aware, naive)]:
        for working_days in (True, False):
            with pytest.raises(ValueError, match="timezone-aware"):
                deadline_after_pause(*args, working_days=working_days)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(aware, -1)
    with pytest.raises(TypeError):
        add_working_days(aware, 1.5)


def test_arithmetic_past_year_9999_is_a_clear_overflow():
    with pytest.raises(OverflowError):
        add_working_days(at(9999, 12, 30, 9), 5)


# -- working time and suspension ----------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2025, 3, 14, 10), at(2025, 3, 17, 10), timedelta(days=1)),
        (at(2025, 3, 15, 10), at(2025, 3, 16, 20), timedelta(0)),
        (at(2025, 3, 14, 22), at(2025, 3, 15, 9), 2 * HOURS),
        (at(2025, 3, 17, 10), at(2025, 3, 14, 10), -timedelta(days=1)),
        (at(2025, 9, 30, 10), at(2025, 10, 9, 10), timedelta(days=1)),
        (at(2025, 1, 27, 18), at(2025, 2, 8, 6), timedelta(days=3, hours=12)),
        (at(2026, 12, 31, 12), at(2031, 1, 1, 12), None),  # into unknown years
    ],
)
def test_working_time_between(start, end, expected):
    result = working_time_between(start, end)
    if expected is None:  # whole days from noon to noon: count them by hand
        day, expected = start.date(), timedelta(0)
        while day < end.date():
            expected += timedelta(days=official(day))
            day += timedelta(days=1)
        assert expected > timedelta(days=1000)
    assert result == expected
    assert working_time_between(end, start) == -result


def test_a_clock_deadline_moves_by_the_whole_pause():
    # A 24-hour rule started Friday 10:00, paused Friday 12:00 over the weekend.
    deadline = at(2025, 3, 15, 10)
    new = deadline_after_pause(
        deadline, at(2025, 3, 14, 12), at(2025, 3, 17, 9), working_days=False
    )
    assert new == at(2025, 3, 18, 7)  # 69 hours later
    assert new.tzinfo == CN
    # Across National Day: 8 days 16 hours of pause.
    new = deadline_after_pause(
        at(2025, 10, 10, 17),
        at(2025, 9, 30, 17),
        at(2025, 10, 9, 9),
        working_days=False,
    )
    assert new == at(2025, 10, 19, 9)


@pytest.mark.parametrize(
    ("deadline", "paused", "resumed", "expected"),
    [
        pytest.param(
            at(2025, 3, 18, 18),
            at(2025, 3, 14, 10),
            at(2025, 3, 17, 10),
            at(2025, 3, 19, 18),
            id="friday-to-monday-moves-one-working-day",
        ),
        pytest.param(
            at(2025, 3, 17, 10),
            at(2025, 3, 15, 9),
            at(2025, 3, 16, 20),
            at(2025, 3, 17, 10),
            id="a-pause-within-the-weekend-changes-nothing",
        ),
        pytest.param(
            # 24 working hours left; resumed Saturday, they restart Monday 00:00.
            at(2025, 3, 17, 10),
            at(2025, 3, 14, 10),
            at(2025, 3, 15, 12),
            at(2025, 3, 18),
            id="resumed-on-a-saturday",
        ),
        pytest.param(
            # 48 working hours left the evening before National Day; resumed
            # Oct 9 09:00, due Saturday Oct 11 (a make-up workday) 09:00.
            at(2025, 10, 10, 17),
            at(2025, 9, 30, 17),
            at(2025, 10, 9, 9),
            at(2025, 10, 11, 9),
            id="across-national-day",
        ),
        pytest.param(
            # 3 working hours left on Jan 27; resumed after Spring Festival.
            at(2025, 1, 27, 18),
            at(2025, 1, 27, 15),
            at(2025, 2, 5, 10),
            at(2025, 2, 5, 13),
            id="across-spring-festival",
        ),
        pytest.param(
            # Paused 2 hours after the deadline: still 2 hours overdue.
            at(2025, 3, 17, 10),
            at(2025, 3, 17, 12),
            at(2025, 3, 18, 9),
            at(2025, 3, 18, 7),
            id="already-overdue",
        ),
        pytest.param(
            at(2031, 1, 6, 12),
            at(2031, 1, 3, 12),
            at(2031, 1, 6, 12),
            at(2031, 1, 7, 12),
            id="year-2031-without-package-data",
        ),
    ],
)
def test_a_working_day_deadline_gets_its_remaining_working_time_back(
    deadline, paused, resumed, expected
):
    new = deadline_after_pause(deadline, paused, resumed, working_days=True)
    assert new == expected
    assert new.tzinfo == CN
    assert working_time_between(resumed, new) == working_time_between(paused, deadline)


def test_a_resumption_before_the_pause_is_refused():
    with pytest.raises(ValueError, match="before"):
        deadline_after_pause(
            at(2025, 3, 18), at(2025, 3, 14), at(2025, 3, 13), working_days=True
        )


# -- overrides: the service and cache invalidation -------------------------------


@pytest.mark.django_db(transaction=True)
def test_saving_through_the_service_changes_results_at_once_in_this_process():
    day = date(2031, 1, 1)
    assert is_workday(day) is True  # cached now
    calendar_day = calendar_day_save(
        actor=None,
        calendar_day=CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name="元旦"),
    )  # a real commit
    assert is_workday(day) is False
    calendar_day.kind = CalendarDay.Kind.WORKDAY
    calendar_day_save(actor=None, calendar_day=calendar_day)
    assert is_workday(day) is True
    calendar_day.kind = CalendarDay.Kind.HOLIDAY
    calendar_day_save(actor=None, calendar_day=calendar_day)
    assert is_workday(day) is False
    calendar_day_delete(actor=None, calendar_day=calendar_day)
    assert is_workday(day) is True
    assert not CalendarDay.objects.exists()


def test_the_caches_are_invalidated_on_commit_not_before(
    django_capture_on_commit_callbacks,
):
    day = date(2031, 1, 1)
    assert is_workday(day) is True
    with django_capture_on_commit_callbacks() as callbacks:
        calendar_day_save(
            actor=None,
            calendar_day=CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY),
        )
    assert is_workday(day) is True  # not committed yet: the cache still holds
    for callback in callbacks:
        callback()
    assert is_workday(day) is False


def test_another_process_change_is_seen_at_the_next_version_check(monkeypatch):
    day = date(2031, 1, 1)
    assert is_workday(day) is True
    # Another process saved an override and bumped the version in the cache.
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY)
    cache.set(calendar.VERSION_KEY, "bumped elsewhere", timeout=None)
    assert is_workday(day) is True  # within the check interval: not asked yet
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    assert is_workday(day) is False


def test_warm_calls_do_not_query(override, django_assert_num_queries, monkeypatch):
    override(date(2031, 1, 1), CalendarDay.Kind.HOLIDAY)
    calendar_changed()
    with django_assert_num_queries(1):  # the one load of every override
        add_working_days(at(2025, 3, 14, 10), 3)
    with django_assert_num_queries(0):
        for offset in range(2000):
            start = at(2024, 1, 1, 9) + timedelta(days=offset)
            add_working_days(start, offset % 30)
            is_workday(start.date())
    # A version check that finds no change asks the cache only, not the database.
    # (One call first: a parallel test run sharing the Redis test database may
    # have cleared the version meanwhile, which rightly costs one reload.)
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    is_workday(date(2031, 1, 1))
    with django_assert_num_queries(0):
        for _ in range(3):
            assert is_workday(date(2031, 1, 1)) is False


def test_an_invalid_or_duplicate_override_is_a_domain_error(override):
    override(date(2031, 1, 1), CalendarDay.Kind.HOLIDAY)
    with pytest.raises(DomainError) as error:
        override(date(2031, 1, 1), CalendarDay.Kind.WORKDAY)
    assert error.value.code == "invalid_calendar_day"
    assert "date" in error.value.fields
    with pytest.raises(DomainError) as error:
        override(date(2031, 1, 2), "festival")
    assert "kind" in error.value.fields


def test_the_admin_saves_through_the_service(admin_client, committed):
    assert is_workday(date(2031, 1, 1)) is True
    with committed():
        response = admin_client.post(
            "/admin/workorders/calendarday/add/",
            {"date": "2031-01-01", "kind": "holiday", "name": "元旦", "note": ""},
        )
    assert response.status_code == 302, response.content[:2000]
    assert is_workday(date(2031, 1, 1)) is False
    listing = admin_client.get(
        "/admin/workorders/calendarday/", {"year": "2031", "q": "元旦"}
    )
    assert listing.status_code == 200
    assert "2031" in listing.content.decode()
    calendar_day = CalendarDay.objects.get(date=date(2031, 1, 1))
    with committed():
        response = admin_client.post(
            f"/admin/workorders/calendarday/{calendar_day.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert is_workday(date(2031, 1, 1)) is True


# -- properties ----------------------------------------------------------------


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2032, 12, 1),
        timezones=st.sampled_from([CN, UTC]),
    )
)
def test_add_working_days_properties(start):
    local = start.astimezone(CN)
    deadlines = [add_working_days(start, days) for days in range(31)]
    for days, deadline in enumerate(deadlines):
        assert deadline.tzinfo == CN
        # It lands on a working day...
        assert official(deadline.date()), (start, days, deadline)
        # ...after exactly `days` working days counted from the start date.
        day, counted = local.date(), 0
        while day < deadline.date():
            counted += official(day)
            day += timedelta(days=1)
        assert counted == days, (start, days, deadline)
        # At the start's clock time, or 00:00 if the start was a day off.
        if official(local.date()):
            assert deadline.time() == local.time()
        else:
            assert deadline.time() == datetime.min.time()
        # Exactly `days` × 24 h of working time, which a zero pause keeps.
        assert working_time_between(start, deadline) == timedelta(days=days)
        assert (
            deadline_after_pause(deadline, local, local, working_days=True) == deadline
        )
    # Monotonic: each extra working day moves the deadline later.
    assert all(a < b for a, b in zip(deadlines, deadlines[1:]))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    deadline=st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2032, 12, 1),
        timezones=st.just(CN),
    ),
    pause_start=st.timedeltas(
        min_value=timedelta(days=-20), max_value=timedelta(days=20)
    ),
    pause_length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
)
def test_a_pause_gives_back_exactly_the_working_time_left(
    deadline, pause_start, pause_length
):
    paused = deadline + pause_start
    resumed = paused + pause_length
    new = deadline_after_pause(deadline, paused, resumed, working_days=True)
    assert working_time_between(resumed, new) == working_time_between(paused, deadline)
    assert new >= deadline
    clock = deadline_after_pause(deadline, paused, resumed, working_days=False)
    assert clock - deadline == pause_length
