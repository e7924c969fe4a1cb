"""The sweep run by real Celery workers: a worker killed mid-sweep loses nothing."""

import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from dispatch.models import Alert, AlertKind, Notification
from dispatch.sweep import alerts_sweep
from jintan.celery import app
from tests.processes import env_for_test_database, wait_until, worker
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db(transaction=True)


def make_overdue(tickets):
    """Deadlines an hour past: each ticket owes a sign-for and an overdue alert."""
    now = timezone.now()
    WorkOrder.objects.filter(pk__in=[t.pk for t in tickets]).update(
        created_at=now - timedelta(hours=5),
        sign_deadline=now - timedelta(hours=4),
        warn_at=now - timedelta(hours=2),
        resolve_deadline=now - timedelta(hours=1),
        updated_at=now,
    )


def blocked_sweep(database):
    """The backend of a sweep waiting to insert notifications, if there is one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"dispatch_notification\"%%'",
            [database],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def test_a_worker_killed_in_the_middle_of_a_sweep_loses_and_doubles_nothing(
    dispatched_ticket, tmp_path
):
    tickets = [dispatched_ticket(priority="critical") for _ in range(6)]
    make_overdue(tickets)
    database = connection.settings_dict["NAME"]
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = env_for_test_database()
    log = tmp_path / "worker.log"

    # Hold the notification table so the sweep stops between writing its alerts
    # and writing their notifications, inside its transaction.
    blocker = psycopg.connect(
        dbname=database, user="postgres", host="127.0.0.1", autocommit=False
    )
    blocker.execute("LOCK TABLE dispatch_notification IN SHARE MODE")
    first = worker(env, log, queue=queue).start()
    try:
        app.send_task("dispatch.alerts_sweep", queue=queue)
        pid = wait_until(
            lambda: blocked_sweep(database), timeout=60, what="the sweep to block"
        )
        assert Alert.objects.count() == 0  # written, not committed
        first.stop(kill=True)
    finally:
        blocker.rollback()
        blocker.close()
        first.stop(kill=True)
    wait_until(lambda: backend_gone(pid), timeout=30, what="the dead sweep's backend")
    assert Alert.objects.count() == 0
    assert Notification.objects.count() == 0

    second = worker(env, log, queue=queue).start()
    try:
        app.send_task("dispatch.alerts_sweep", queue=queue)
        app.send_task("dispatch.alerts_sweep", queue=queue)  # and a duplicate
        wait_until(
            lambda: Notification.objects.count() == 12,
            timeout=60,
            what="the sweep run again",
        )
    finally:
        second.stop()
    assert alerts_sweep().raised == 0
    assert sorted(Alert.objects.values_list("workorder_id", "kind")) == sorted(
        (t.pk, kind)
        for t in tickets
        for kind in (AlertKind.OVERDUE, AlertKind.SIGN_OVERDUE)
    )
    assert Notification.objects.count() == 12
