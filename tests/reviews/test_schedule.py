"""The schedule: three beat jobs at the right Asia/Shanghai times; a period
generated twice, or twice at once, exists once; missed periods are caught up."""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connections, transaction

from jintan.celery import app
from reviews import tasks
from reviews.models import Kind, Report, WorkLog
from reviews.periods import Period
from reviews.services import report_generate, worklog_note_write
from workorders.models import WorkOrder, WorkOrderEvent

from .history import Step, ticket_write

CHINA = ZoneInfo("Asia/Shanghai")


def _job(task):
    jobs = [
        job for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"] == task
    ]
    assert len(jobs) == 1, task
    return jobs[0]


def test_the_beat_schedule_holds_the_three_jobs_at_their_local_times():
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    daily = _job("reviews.daily_close")["schedule"]
    weekly = _job("reviews.weekly_generate")["schedule"]
    monthly = _job("reviews.monthly_generate")["schedule"]
    for schedule in (daily, weekly, monthly):
        assert isinstance(schedule, crontab)
        assert schedule.hour == {0}
        assert max(schedule.minute) < 60
    assert daily.day_of_week == set(range(7)) and daily.day_of_month == set(
        range(1, 32)
    )
    assert weekly.day_of_week == {1}  # Monday
    assert monthly.day_of_month == {1} and monthly.day_of_week == set(range(7))
    for name in ("reviews.daily_close", "reviews.weekly_generate"):
        assert name in app.tasks
    assert "reviews.monthly_generate" in app.tasks
    assert "reviews.report_generate" in app.tasks


@pytest.mark.parametrize(
    ("task", "moment", "due"),
    [
        # 00:10 Shanghai is 16:10 UTC the day before.
        ("reviews.daily_close", datetime(2026, 11, 25, 0, 10, tzinfo=CHINA), True),
        ("reviews.daily_close", datetime(2026, 11, 25, 8, 10, tzinfo=CHINA), False),
        ("reviews.weekly_generate", datetime(2026, 11, 23, 0, 20, tzinfo=CHINA), True),
        ("reviews.weekly_generate", datetime(2026, 11, 24, 0, 20, tzinfo=CHINA), False),
        ("reviews.monthly_generate", datetime(2026, 12, 1, 0, 30, tzinfo=CHINA), True),
        ("reviews.monthly_generate", datetime(2026, 12, 2, 0, 30, tzinfo=CHINA), False),
    ],
)
def test_each_job_is_due_at_its_shanghai_time(task, moment, due):
    schedule = _job(task)["schedule"]
    # The same crontab, asked at ``moment`` whether it is due after a run a
    # minute before; the app's timezone (Asia/Shanghai) reads the fields.
    schedule = crontab(
        minute=schedule._orig_minute,
        hour=schedule._orig_hour,
        day_of_week=schedule._orig_day_of_week,
        day_of_month=schedule._orig_day_of_month,
        nowfun=lambda: moment,
        app=app,
    )
    assert str(schedule.tz) == "Asia/Shanghai"
    assert schedule.is_due(moment - timedelta(minutes=1)).is_due is due


@pytest.mark.django_db
def test_a_period_generated_twice_exists_once_with_the_same_figures(
    tree, people, month, categories
):
    start = month.start_at + timedelta(days=3)
    ticket_write(
        unit=tree["M1"],
        category=categories["M01-01"],
        created_at=start,
        deadline=start + timedelta(days=2),
        steps=[Step("dispatch", start), Step("resolve", start + timedelta(hours=5))],
    )
    first, created = report_generate(actor=None, unit=tree["T1"], period=month)
    assert created
    again, created_again = report_generate(
        actor=people["town"], unit=tree["T1"], period=month
    )
    assert not created_again
    assert again.pk == first.pk
    assert again.figures == first.figures
    assert again.generated_by == people["town"]
    assert Report.objects.filter(kind=Kind.MONTHLY, unit=tree["T1"]).count() == 1


@pytest.mark.django_db
def test_regenerating_after_a_reopening_gives_the_same_figures(tree, month, categories):
    inside = month.start_at + timedelta(days=10)
    after = month.end_at + timedelta(days=2)
    common = {"unit": tree["M1"], "category": categories["M01-01"]}
    closed = [Step("resolve", inside), Step("review_pass", inside + timedelta(hours=2))]
    ticket = ticket_write(
        **common,
        created_at=inside - timedelta(days=1),
        deadline=inside + timedelta(days=1),
        steps=closed,
    )
    first = report_generate(actor=None, unit=tree["T1"], period=month)[0].figures
    # After the month: a follow-up, reopened, resolved late and closed again.
    for action, before, status, data in (
        ("follow_up", "closed", "closed", {"satisfaction": "unsatisfied"}),
        ("reopen", "closed", "in_progress", {}),
        ("resolve", "in_progress", "resolved", {}),
        ("review_pass", "resolved", "closed", {}),
    ):
        WorkOrderEvent.objects.create(
            workorder=ticket,
            action=action,
            from_status=before,
            to_status=status,
            data=data,
            created_at=after,
        )
    WorkOrder.objects.filter(pk=ticket.pk).update(
        resolved_at=after, closed_at=after, satisfaction="unsatisfied"
    )
    second = report_generate(actor=None, unit=tree["T1"], period=month)[0].figures
    for part in ("totals", "children", "intake_by_source", "series"):
        assert second[part] == first[part]
    assert first["totals"]["closed_on_time"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_leave_one_report(tree, month, categories):
    errors = []

    def run():
        try:
            report_generate(actor=None, unit=tree["D"], period=month)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Report.objects.filter(unit=tree["D"], kind=Kind.MONTHLY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_generation_that_loses_the_race_reads_again(tree, month, categories):
    """A generation nested in a caller's transaction (the idempotency
    middleware's) commits its row after an outermost one took its snapshot:
    the outermost one retries instead of failing."""
    inserted, release, outcome = threading.Event(), threading.Event(), {}

    def nested():
        try:
            with transaction.atomic():
                report_generate(actor=None, unit=tree["T1"], period=month)
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    def outermost():
        try:
            outcome["report"] = report_generate(
                actor=None, unit=tree["T1"], period=month
            )
        except Exception as exc:  # pragma: no cover - reported below
            outcome["error"] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=nested)
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=outermost)
    second.start()
    time.sleep(1.5)  # the second is now waiting on the first's row
    release.set()
    first.join()
    second.join()
    assert "error" not in outcome, outcome
    assert Report.objects.filter(unit=tree["T1"], kind=Kind.MONTHLY).count() == 1


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.django_db
def test_scheduled_runs_fill_what_is_missing_and_nothing_twice(tree, eager):
    queued = tasks.monthly_generate()
    units = 3  # the district and its two towns; villages are on demand
    assert queued == units * tasks.CATCH_UP[Kind.MONTHLY]
    assert Report.objects.filter(kind=Kind.MONTHLY).count() == queued
    assert set(Report.objects.values_list("unit__level", flat=True)) == {
        "district",
        "town",
    }
    assert tasks.monthly_generate() == 0
    last = Period.last_ended(Kind.MONTHLY)
    Report.objects.filter(unit=tree["T2"], period_start=last.start).delete()
    assert tasks.monthly_generate() == 1
    assert tasks.weekly_generate() == units * tasks.CATCH_UP[Kind.WEEKLY]
    # A redelivered unit task does not generate again (nor duplicate).
    report = Report.objects.get(unit=tree["T2"], period_start=last.start)
    args = (Kind.MONTHLY, last.start.isoformat(), tree["T2"].pk)
    assert not tasks.report_generate(*args)
    assert tasks.report_generate(*args, replace=True)
    assert Report.objects.get(unit=tree["T2"], period_start=last.start).pk == report.pk
    assert Report.objects.filter(kind=Kind.MONTHLY).count() == queued


@pytest.mark.django_db
def test_the_daily_run_closes_yesterdays_logs(tree, people, eager):
    yesterday = Period.last_ended(Kind.DAILY)
    worklog_note_write(actor=people["worker"], day=yesterday.start, note="走访三户")
    result = tasks.daily_close()
    assert result["reports"] == 3 * tasks.CATCH_UP[Kind.DAILY]
    log = WorkLog.objects.get(user=people["worker"], day=yesterday.start)
    assert log.closed_at is not None
    assert log.note == "走访三户"
    assert log.figures["day"] == yesterday.start.isoformat()
    assert tasks.daily_close()["reports"] == 0
    assert WorkLog.objects.filter(day=yesterday.start).count() == 1
