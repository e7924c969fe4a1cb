"""Reviews at Jintan's size: the monthly analysis over 1,000,000 tickets.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jintan_bench_tree \\
        .venv/bin/python -m bench.bench_reviews [--runs 3] [--kind monthly] [--all]

Needs the Jintan-size district with generated tickets (``bench.bench_tree``,
then ``bench.bench_workorders --generate``). Times ``report_generate`` (every
figure with its trend, stored) for the last month that is over:

- the whole district: target ≤ 30 s;
- one town (the one with the most tickets): target ≤ 5 s;
- a village, for scale (no target).

Each generation runs inside a transaction that is rolled back, so the bench
leaves no row behind; ``--all`` also times one scheduled run over every unit
at town level and above (also rolled back). Medians of ``--runs`` runs, with
the SQL statements of one run and the slowest of them.
"""

import argparse
import os
import statistics
import time

from bench import harness


class _Rollback(Exception):
    pass


def generate_and_discard(unit, period):
    """``report_generate`` for real, then undone: (seconds, statements, figures)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reviews.services import report_generate

    result = {}
    try:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            start = time.perf_counter()
            report, _created = report_generate(actor=None, unit=unit, period=period)
            result["seconds"] = time.perf_counter() - start
            result["figures"] = report.figures
            raise _Rollback
    except _Rollback:
        pass
    result["queries"] = [
        (float(query["time"]), query["sql"]) for query in queries.captured_queries
    ]
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--kind", default="monthly", choices=["daily", "weekly", "monthly"]
    )
    parser.add_argument("--all", action="store_true", help="time a whole scheduled run")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    harness.setup()

    from django.db.models import Count

    from grids.models import Level, OrgUnit
    from reviews.models import Report
    from reviews.periods import Period
    from reviews.services import scheduled_units
    from workorders.models import WorkOrder

    tickets = WorkOrder.objects.count()
    if tickets < 100_000:
        raise SystemExit(
            f"{tickets} tickets: generate them first "
            "(python -m bench.bench_workorders --generate)"
        )
    reports_before = Report.objects.count()
    period = Period.last_ended(args.kind)
    district = OrgUnit.objects.get(level=Level.DISTRICT, parent__isnull=True)
    busiest = (
        WorkOrder.objects.filter(town_id__isnull=False)
        .values("town_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    town = OrgUnit.objects.get(pk=busiest["town_id"])
    village = OrgUnit.objects.filter(parent=town, level=Level.VILLAGE).first()
    print(
        f"{tickets:,} tickets; {args.kind} period {period.start} to {period.last}; "
        f"{args.runs} runs each"
    )

    rows = []
    targets = {"district": 30.0, "town": 5.0}
    for name, unit in (("district", district), ("town", town), ("village", village)):
        runs = [generate_and_discard(unit, period) for _ in range(args.runs)]
        seconds = statistics.median(run["seconds"] for run in runs)
        totals = runs[-1]["figures"]["totals"]
        queries = runs[-1]["queries"]
        slowest = max(queries)
        print(
            f"{name} {unit.name}: intake {totals['intake']:,}, closed "
            f"{totals['closed']:,}, on time {_pct(totals['on_time_rate'])} / "
            f"{_pct(totals['on_time_rate_strict'])}, open overdue "
            f"{totals['overdue_open']:,}; {len(queries)} statements, slowest "
            f"{slowest[0]:.2f} s: {slowest[1][:90]}…"
        )
        target = targets.get(name)
        rows.append(
            (
                f"{args.kind} {name} ({unit.name}) median of {args.runs}",
                f"{seconds:.2f} s",
                f"≤ {target:.0f} s" if target else "-",
                target is None or seconds <= target,
            )
        )
    if args.all:
        units = scheduled_units()
        start = time.perf_counter()
        for unit in units:
            generate_and_discard(unit, period)
        rows.append(
            (
                f"scheduled {args.kind} run: {len(units)} units, one after another",
                f"{time.perf_counter() - start:.1f} s",
                "-",
                True,
            )
        )
    assert Report.objects.count() == reports_before, "the bench left reports behind"
    harness.report(rows)


def _pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


if __name__ == "__main__":
    main()
