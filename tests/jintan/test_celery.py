"""A real Celery worker, started here against the test Redis, runs a project task."""

import os
import subprocess
import sys
import uuid

import pytest

from jintan.celery import app, ping
from tests.conftest import ROOT


@pytest.fixture
def worker_queue():
    """A worker on a queue of its own, so no other test's tasks reach it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jintan.settings.test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "jintan",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_real_worker_runs_the_ping_task(worker_queue):
    assert app.conf.broker_url.startswith("redis://")
    result = ping.apply_async(queue=worker_queue)
    assert result.get(timeout=60) == "pong"
    assert result.successful()
