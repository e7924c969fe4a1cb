"""`make test` never silently falls back: a missing service stops the run."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("variable", "url", "service", "hint"),
    [
        ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis", "redis-server"),
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/jintan",
            "PostgreSQL",
            "pg_ctlcluster",
        ),
    ],
)
def test_the_suite_stops_naming_the_missing_service(variable, url, service, hint):
    env = {**os.environ, variable: url}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/jintan/test_i18n.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"{service} not reachable" in result.stdout + result.stderr
    assert hint in result.stdout + result.stderr
