"""The deadline sweep with 1,000,000 tickets.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jintan_bench_tree \\
        .venv/bin/python -m bench.bench_sweep [--runs 5]

Needs the generated tickets (``python -m bench.bench_workorders --generate``).

1. Catch-up: a sweep with no mark (as after a fresh install or a change of
   the escalation steps) schedules every running ticket and raises every
   alert that is due (printed for information; it is committed, so the
   database is "swept up to now" afterwards, as a running system is).
2. Steady state: a sweep that finds nothing new. Target ≤ 100 ms.
3. A burst: 10,000 tickets become overdue at once (closed tickets reopened
   with a deadline a minute ago, inside a transaction), one sweep schedules
   and writes their alerts and notifications. Target ≤ 5 s. Rolled back after
   each run.
"""

import argparse
import statistics
import time
from datetime import timedelta

from bench import harness

BURST = 10_000


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    harness.setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from dispatch import defaults
    from dispatch.models import Alert, EscalationStep, Notification
    from dispatch.sweep import alerts_sweep, schedule_reset
    from workorders.models import Status, WorkOrder

    tickets = WorkOrder.objects.count()
    if tickets < 900_000:
        raise SystemExit(f"{tickets} tickets: run bench.bench_workorders --generate")
    defaults.load(EscalationStep)  # a reseeded (flushed) database lost them
    print(f"{tickets} tickets, {Alert.objects.count()} alerts before")

    schedule_reset()
    start = time.perf_counter()
    caught_up = alerts_sweep()
    print(
        f"catch-up sweep: {time.perf_counter() - start:.2f} s, "
        f"{caught_up.rescheduled} scheduled, {caught_up.raised} alerts, "
        f"{caught_up.notified} notifications"
    )
    # What autovacuum does on a running system between sweeps.
    harness.vacuum_analyze(
        "dispatch_alert", "dispatch_notification", "workorders_workorder"
    )

    quiet = []
    for _ in range(args.runs * 4):
        start = time.perf_counter()
        result = alerts_sweep()
        quiet.append(time.perf_counter() - start)
        assert result.raised == 0 or len(quiet) == 1, result

    burst, written = [], []
    closed = list(
        WorkOrder.objects.filter(status=Status.CLOSED, owner__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)[: BURST * args.runs]
    )
    for run in range(args.runs):
        ids = closed[run * BURST : (run + 1) * BURST]
        now = timezone.now()
        with transaction.atomic():
            WorkOrder.objects.filter(id__in=ids).update(
                status=Status.IN_PROGRESS,
                created_at=now - timedelta(hours=2),
                warn_at=now - timedelta(minutes=30),
                resolve_deadline=now - timedelta(minutes=1),
                sign_deadline=now + timedelta(hours=1),
                updated_at=now,  # as every service's save stamps it
            )
            start = time.perf_counter()
            result = alerts_sweep()
            burst.append(time.perf_counter() - start)
            written.append((result.raised, result.notified))
            transaction.set_rollback(True)
    connection.close()

    print(f"burst runs (alerts, notifications): {written}")
    print(f"steady-state runs (ms): {[round(t * 1000, 1) for t in quiet]}")
    print(f"burst runs (s): {[round(t, 2) for t in burst]}")
    harness.report(
        [
            (
                "sweep finding nothing new (median)",
                f"{harness.median_ms(quiet):.1f} ms",
                "≤ 100 ms",
                harness.median_ms(quiet) <= 100,
            ),
            (
                f"sweep writing {BURST:,} newly overdue (median)",
                f"{statistics.median(burst):.2f} s",
                "≤ 5 s",
                statistics.median(burst) <= 5,
            ),
        ]
    )
    print(
        f"alerts now: {Alert.objects.count()}, notifications: "
        f"{Notification.objects.count()}"
    )


if __name__ == "__main__":
    main()
