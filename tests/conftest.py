"""Suite-wide set-up: the real services must be there, or the run stops at once.

Tests run against PostgreSQL and Redis as production does; a missing service
stops the run with the command that starts it, never a silent fallback.
"""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.territory", "tests.tickets"]

# CI replays the same generated examples every run, so a red run is
# reproducible and never a roll of the dice; locally they vary and explore.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) "
    "main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no",
}


def pytest_sessionstart(session):
    import psycopg
    import redis
    from django.conf import settings

    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        problems.append(("PostgreSQL", "DATABASE_URL does not point at PostgreSQL"))
    else:
        try:
            psycopg.connect(
                host=database["HOST"],
                port=database["PORT"] or 5432,
                user=database["USER"],
                password=database["PASSWORD"],
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except Exception as exc:
            where = f"{database.get('HOST')}:{database.get('PORT')}"
            problems.append(("PostgreSQL", f"not reachable at {where}: {exc}"))
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        problems.append(("Redis", f"not reachable at {settings.REDIS_URL}: {exc}"))
    if problems:
        lines = [
            f"{name} {reason}. Start it with: {START_HINTS[name]}"
            for name, reason in problems
        ]
        pytest.exit(
            "The test suite needs real services.\n" + "\n".join(lines), returncode=3
        )


@pytest.fixture
def venv_python() -> str:
    return sys.executable


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment of a newcomer's shell: no project variables at all."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {key: os.environ[key] for key in keep if key in os.environ}


ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made
    # by the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a PNG of the page under artifacts/screenshots/ for a person to look at."""

    def take(name: str):
        folder = ARTIFACTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached versions never leak from one test to the next."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{cache.key_prefix}:*"):
        client.delete(key)


def pytest_collection_modifyitems(items):
    """Database tests may use every alias: ``numbering`` mirrors ``default``."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(
                    *marker.args, **{**marker.kwargs, "databases": "__all__"}
                ),
                append=False,
            )


@pytest.fixture(scope="session", autouse=True)
def _close_every_connection_before_teardown(django_db_setup):
    """The ``numbering`` alias keeps its own connection; the test database can
    only be dropped once it is closed too."""
    yield
    from django.db import connections

    connections.close_all()
