"""The command-center dashboard's summary at Jintan's size: server time.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jintan_bench_tree \\
        .venv/bin/python -m bench.bench_dashboard [--runs 9] [--explain]

Needs the Jintan-size district with its tickets (``python -m bench.bench_tree``,
then ``python -m bench.bench_workorders --generate``: 1,000,000 tickets over a
year) and the ``wo_dash_*`` indexes (workorders migration 0006). Reads only;
the one write is the cache of settled days (Redis).

Timed as the demo commander (district) and the demo town dispatcher (their
town), so scope applies exactly as for them, median of ``--runs`` after one
warm-up:

- ``summary.json`` as served: the view called in process (unit lookup, every
  figure, the JSON). The window's days before today come from the cache
  (``dispatch.selectors.dashboard._grouped_settled``, kept 10 minutes);
  open, overdue, today and alerts are counted live. Targets (issue #6):
  district ≤ 100 ms, town ≤ 50 ms.
- the same with nothing cached (``fresh=True``): what the first request of a
  day, or of a 10-minute period, costs.

Printed besides: the whole page, the statements and their time; ``--explain``
prints each statement's plan (of the cold path).
"""

import argparse
import json
import time

from bench import harness

TARGETS_MS = {"district": 100, "town": 50}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    harness.setup()

    from django.test import RequestFactory

    from accounts.models import User
    from dispatch.selectors.dashboard import dashboard_home, dashboard_summary
    from dispatch.views import dashboard as views
    from workorders.models import WorkOrder

    if WorkOrder.objects.count() < 100_000:
        raise SystemExit(
            "Load the tickets first: python -m bench.bench_workorders --generate"
        )
    factory = RequestFactory()
    rows = []
    for scope, username in (("district", "zhihui"), ("town", "diaodu")):
        user = User.objects.get(username=username)
        unit = dashboard_home(user)

        def request(path, user=user, unit=unit, **params):
            req = factory.get(path, {"unit": unit.pk, **params})
            req.user = user
            # posts_of caches a user's posts on the object: a request starts
            # with a fresh one, as in production.
            req.user.__dict__.pop("_active_posts", None)
            return req

        def summary_json(request=request):
            response = views.summary(request("/command/summary.json"))
            assert response.status_code == 200, response.status_code
            return response

        def cold(user=user, unit=unit):
            user.__dict__.pop("_active_posts", None)
            views.summary_payload(dashboard_summary(user, unit, fresh=True))

        def page(request=request):
            response = views.dashboard(request("/command/"))
            assert response.status_code == 200, response.status_code

        summary_json()  # warm-up: connections, caches, plans
        served_ms = harness.median_ms(harness.timed(summary_json, args.runs))
        cold_ms = harness.median_ms(harness.timed(cold, args.runs))
        page_ms = harness.median_ms(harness.timed(page, max(3, args.runs // 3)))
        figures = json.loads(summary_json().content)["figures"]
        print(
            f"{scope}: {unit.name} as {username}: open {figures['open']:,}, "
            f"overdue {figures['overdue']:,}, received (30 days) "
            f"{figures['intake']:,}, completed {figures['completed']:,}, "
            f"on-time {figures['on_time_rate']} / strict "
            f"{figures['on_time_rate_strict']}, open alerts {figures['open_alerts']:,}"
        )
        print(f"  whole page (served) {page_ms:.1f} ms")
        for label, fn in (("served", summary_json), ("nothing cached", cold)):
            statements = _statements(fn)
            print(f"  summary, {label}: {len(statements)} statements")
            for sql, seconds in statements:
                print(f"    {seconds * 1000:6.1f} ms  {sql[:100]}")
                if args.explain and label != "served":
                    _explain(sql)
        target = TARGETS_MS[scope]
        rows.append(
            (
                f"summary.json, {scope} ({unit.name}), median of {args.runs}",
                f"{served_ms:.1f} ms",
                f"≤ {target} ms",
                served_ms <= target,
            )
        )
        rows.append(
            (
                "  the same, nothing cached (first of a 10-minute period)",
                f"{cold_ms:.1f} ms",
                f"≤ {target} ms",
                cold_ms <= target,
            )
        )
    harness.report(rows)


def _statements(fn):
    """The SQL ``fn`` runs and each statement's time (one more run, captured)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [(q["sql"], float(q["time"])) for q in captured.captured_queries]


def _explain(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
        elapsed = (time.perf_counter() - started) * 1000
    print("\n".join("        " + line for line in plan))
    print(f"        ({elapsed:.1f} ms with EXPLAIN)")


if __name__ == "__main__":
    main()
