"""Benchmark: import a 200,000-row household sheet on PostgreSQL (target ≤ 60 s).

Loads a Jintan-size district into a separate database if it is not there
(``grids.demo``, a few minutes), writes a household sheet of new household
numbers spread over every micro-grid, and times ``sheet_import`` on it three
times, deleting the imported households between runs. Prints each run with
the time spent reading and checking versus writing, the median and rows/s.

    .venv/bin/python -m bench.bench_import [--rows 200000] [--runs 3]

(database: ``BENCH_DATABASE_URL``, default ``jintan_bench``, made if missing)

It deletes rows, so it refuses a database whose name does not end in "bench".
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import harness

CODE_PREFIX = "BENCH"


def tree_ensure() -> None:

    from grids import demo

    if not demo.demo_loaded():
        print("loading the Jintan-size district (a few minutes) ...", flush=True)
        started = time.perf_counter()
        demo.seed(demo.SCALES["jintan"])
        print(f"  loaded in {time.perf_counter() - started:.0f} s")


def sheet_make(path: Path, rows: int) -> None:
    from grids.exporting import sheet_write
    from grids.models import Level, OrgUnit
    from grids.sheets import HOUSEHOLD_TAGS, HOUSEHOLDS

    rng = random.Random(2024)
    micro_grids = list(
        OrgUnit.objects.filter(level=Level.MICRO_GRID, is_active=True).values_list(
            "id", "code", "name"
        )
    )
    central = {}
    for parent_id, code in OrgUnit.objects.filter(
        level=Level.CENTRAL_HOUSEHOLD
    ).values_list("parent_id", "code"):
        central.setdefault(parent_id, []).append(code)
    words = list(HOUSEHOLD_TAGS.words.values())

    def cells():
        for serial in range(1, rows + 1):
            pk, code, name = micro_grids[serial % len(micro_grids)]
            tags = "、".join(w for w in words if rng.random() < 0.05)
            yield [
                f"{CODE_PREFIX}{serial:08d}",
                f"{name}{rng.randint(1, 30)}组{rng.randint(1, 200)}号",
                code,
                None,  # 路径, ignored on import
                rng.choice(central.get(pk, [None])),
                rng.choice((1, 2, 3, 3, 4, 5)),
                tags or None,
            ]

    sheet_write(HOUSEHOLDS, path, cells(), total=rows)


def imported_delete() -> int:
    from django.db import connection

    from grids.models import Household

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Household._meta.db_table} WHERE code LIKE %s",
            [f"{CODE_PREFIX}%"],
        )
        deleted = cursor.rowcount
        cursor.execute(f"VACUUM ANALYZE {Household._meta.db_table}")
    return deleted


def run_once(path: Path, rows: int) -> tuple[float, float]:
    from grids.importing import sheet_import

    marks = {}

    def progress(stage, advance, total):
        marks.setdefault(stage, time.perf_counter())

    started = time.perf_counter()
    result = sheet_import("households", path, actor=None, progress=progress)
    elapsed = time.perf_counter() - started
    assert result.created == rows, result
    writing_began = min(
        (mark for stage, mark in marks.items() if stage != "Checking"),
        default=started + elapsed,
    )
    return elapsed, writing_began - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    harness.setup()
    from django.conf import settings
    from django.utils import translation

    name = settings.DATABASES["default"]["NAME"]
    if not name.endswith("bench"):
        sys.exit(f"Refusing to run against {name!r}: use a database named *bench.")
    translation.activate("en")  # stage names compared above are English
    tree_ensure()
    imported_delete()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.xlsx"
        started = time.perf_counter()
        sheet_make(path, options.rows)
        size = path.stat().st_size / 1e6
        print(
            f"wrote {options.rows:,} rows ({size:.1f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        times = []
        for run in range(1, options.runs + 1):
            elapsed, checking = run_once(path, options.rows)
            times.append(elapsed)
            print(
                f"run {run}: {elapsed:.1f} s "
                f"(reading and checking {checking:.1f} s, "
                f"writing {elapsed - checking:.1f} s)",
                flush=True,
            )
            imported_delete()
    median = statistics.median(times)
    print(
        f"median {median:.1f} s for {options.rows:,} rows: "
        f"{options.rows / median:,.0f} rows/s (target ≤ 60 s)"
    )


if __name__ == "__main__":
    main()
