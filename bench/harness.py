"""What every benchmark shares: a PostgreSQL database of its own, and medians.

Benchmarks are scripts, not tests: ``python -m bench.<name>``. Each runs on
PostgreSQL (``BENCH_DATABASE_URL``, default a ``jintan_bench`` database on the
local server, created and migrated if missing) and prints medians, since this
machine is shared and single runs are noisy.
"""

import http.client
import json
import os
import random
import statistics
import threading
import time
from contextlib import contextmanager

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jintan_bench"


def setup(database_url: str | None = None) -> None:
    url = database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jintan.settings.test")
    _create_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def vacuum_analyze(*tables: str) -> None:
    """What autovacuum would have done by the time anyone reads the data."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM ANALYZE "{table}"')


@contextmanager
def stopwatch():
    result = {}
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start


def timed(fn, repeat: int) -> list[float]:
    """Seconds for each of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def report(rows: list[tuple[str, str, str, bool]]) -> None:
    """Print (what, figure, target, met) rows as a table."""
    width = max(len(row[0]) for row in rows)
    for what, figure, target, met in rows:
        mark = "ok  " if met else "SLOW"
        print(f"{mark} {what:<{width}}  {figure:>14}  (target {target})")


def terminals_load(port: int, path: str, tokens: list[str], clients: int, seconds: int):
    """``clients`` terminals paging through ``path`` with 0.5–1.5 s of thought.

    Each thread signs in with one of ``tokens``, follows the ``next`` cursor,
    and times its own requests. Returns (latencies in seconds, requests/s).
    """
    latencies, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def terminal(n):
        rng = random.Random(n)
        token = tokens[n % len(tokens)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        next_path = path
        time.sleep(rng.uniform(0, 1))  # terminals do not start in step
        while time.monotonic() < deadline:
            start = time.perf_counter()
            conn.request("GET", next_path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            body = json.loads(response.read())
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"answer {response.status}: {body}")
            with lock:
                latencies.append(elapsed)
            following = body.get("next")
            next_path = following.split(str(port), 1)[1] if following else path
            time.sleep(rng.uniform(0.5, 1.5))
        conn.close()

    threads = [threading.Thread(target=terminal, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(latencies) / seconds
