"""The territory tree at Jintan's size: seeding, counts, point lookup, unit create.

    .venv/bin/python -m bench.bench_tree [--reseed] [--seed-runs N]

Targets (issue 3): seed_demo --scale jintan ≤ 90 s; households under one town
≤ 10 ms, under the district ≤ 50 ms; point → grid ≤ 1 ms after warm-up;
creating one unit in a Jintan-size tree ≤ 200 ms.
"""

import argparse
import random
import statistics

from bench import harness


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reseed", action="store_true", help="reload the district")
    parser.add_argument("--seed-runs", type=int, default=1)
    args = parser.parse_args()
    harness.setup()

    from django.core.management import call_command

    from grids import demo
    from grids.geo import locator
    from grids.models import Household, Level, OrgUnit
    from grids.services import unit_create, unit_delete

    rows = []
    if args.reseed or not demo.demo_loaded():
        seed_times = []
        for _ in range(args.seed_runs):
            call_command("flush", interactive=False, verbosity=0)
            with harness.stopwatch() as watch:
                call_command("seed_demo", scale="jintan", verbosity=0)
            seed_times.append(watch["seconds"])
        seconds = statistics.median(seed_times)
        rows.append(
            (
                f"seed_demo --scale jintan (median of {len(seed_times)})",
                f"{seconds:.1f} s",
                "≤ 90 s",
                seconds <= 90,
            )
        )
    harness.vacuum_analyze(
        "grids_orgunit", "grids_household", "grids_resident", "grids_place"
    )
    print(
        f"tree: {OrgUnit.objects.count()} units, {Household.objects.count()} households"
    )

    towns = list(OrgUnit.objects.filter(level=Level.TOWN))
    district = OrgUnit.objects.get(level=Level.DISTRICT)
    town_times = []
    for _ in range(20):
        for town in towns:
            town_times += harness.timed(
                lambda town=town: Household.objects.filter(town=town).count(), 1
            )
    district_times = harness.timed(
        lambda: Household.objects.filter(district=district).count(), 50
    )
    rows.append(
        (
            "households under one town (count)",
            f"{harness.median_ms(town_times):.2f} ms",
            "≤ 10 ms",
            harness.median_ms(town_times) <= 10,
        )
    )
    rows.append(
        (
            "households under the district (count)",
            f"{harness.median_ms(district_times):.2f} ms",
            "≤ 50 ms",
            harness.median_ms(district_times) <= 50,
        )
    )

    rng = random.Random(7)
    x0, y0, x1, y1 = demo.DISTRICT_BOUNDS
    points = [(rng.uniform(y0, y1), rng.uniform(x0, x1)) for _ in range(20_000)]
    locator.reset()
    with harness.stopwatch() as build:
        locator.locate(*points[0])
    per_point = harness.timed(lambda: [locator.locate(*p) for p in points], 5)
    per_point_us = statistics.median(per_point) / len(points) * 1e6
    rows.append(
        (
            f"point → grid after warm-up (index built in {build['seconds']:.2f} s)",
            f"{per_point_us:.1f} µs",
            "≤ 1 ms",
            per_point_us <= 1000,
        )
    )

    town = towns[len(towns) // 2]
    created = []

    def create_one():
        created.append(
            unit_create(
                actor=None,
                parent=town,
                level=Level.VILLAGE,
                name=f"基准测试村{len(created)}",
                code=f"BENCH{len(created):04d}",
            )
        )

    create_times = harness.timed(create_one, 20)
    for unit in created:
        unit_delete(actor=None, unit=unit)
    rows.append(
        (
            "create one unit in the Jintan-size tree",
            f"{harness.median_ms(create_times):.1f} ms",
            "≤ 200 ms",
            harness.median_ms(create_times) <= 200,
        )
    )
    harness.report(rows)


if __name__ == "__main__":
    main()
