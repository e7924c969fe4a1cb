"""Working-day deadlines: ``add_working_days`` calls per second.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jintan_bench \\
    .venv/bin/python -m bench.bench_calendar [--calls 100000] [--runs 5]

Each run computes deadlines for ``--calls`` random aware starts spread over
2024–2032 (across the end of the package's data in 2026) with 0–30 working
days, after one warm-up pass that loads the overrides and builds the year
tables. Prints each run and the median calls per second.
"""

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta

from bench import harness


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    harness.setup()

    from workorders.calendar import CHINA, add_working_days, calendar_changed

    rng = random.Random(12345)
    first = datetime(2024, 1, 1, tzinfo=CHINA)
    span = int((datetime(2033, 1, 1, tzinfo=CHINA) - first).total_seconds())
    starts = [first + timedelta(seconds=rng.randrange(span)) for _ in range(args.calls)]
    days = [rng.randint(0, 30) for _ in range(args.calls)]

    calendar_changed()
    cold = time.perf_counter()
    add_working_days(starts[0], days[0])
    cold = time.perf_counter() - cold
    print(f"first call (load the overrides, build one year): {cold:.4f} s")
    for start, count in zip(starts, days):  # warm-up: every year table built
        add_working_days(start, count)

    rates = []
    for run in range(1, args.runs + 1):
        began = time.perf_counter()
        for start, count in zip(starts, days):
            add_working_days(start, count)
        seconds = time.perf_counter() - began
        rates.append(args.calls / seconds)
        print(f"run {run}: {args.calls} calls in {seconds:.3f} s, {rates[-1]:,.0f}/s")
    print(f"median: {statistics.median(rates):,.0f} add_working_days calls/s")


if __name__ == "__main__":
    main()
