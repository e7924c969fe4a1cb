"""The project starts on its embedded default and refuses unsafe production set-ups."""

import secrets
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "var", ".git", "media", "staticfiles", "artifacts", "__pycache__"
)


def run(args, env, cwd=ROOT, timeout=120):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_starts_on_sqlite_with_no_environment(tmp_path, venv_python, clean_env):
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=COPY_IGNORE)

    # migrate first, as `make run` does: nothing may have created var/ yet.
    migrate = run([venv_python, "manage.py", "migrate", "-v0"], clean_env, cwd=checkout)
    assert migrate.returncode == 0, migrate.stderr
    check = run([venv_python, "manage.py", "check"], clean_env, cwd=checkout)
    assert check.returncode == 0, check.stderr
    assert (checkout / "var" / "db.sqlite3").stat().st_size > 0

    seed = run([venv_python, "manage.py", "seed_demo", "-v0"], clean_env, cwd=checkout)
    assert seed.returncode == 0, seed.stderr
    assert "admin / " in seed.stdout
    again = run([venv_python, "manage.py", "seed_demo", "-v0"], clean_env, cwd=checkout)
    assert again.returncode == 0, again.stderr
    assert "already loaded" in again.stdout
    tree = run([venv_python, "manage.py", "check_tree"], clean_env, cwd=checkout)
    assert tree.returncode == 0, tree.stderr
    # Then the demo tickets, and one sweep on SQLite as the embedded worker runs it.
    tickets = run([venv_python, "manage.py", "seed_tickets"], clean_env, cwd=checkout)
    assert tickets.returncode == 0, tickets.stderr
    sweep = run(
        [
            venv_python,
            "manage.py",
            "shell",
            "-c",
            "from dispatch.sweep import alerts_sweep; print(alerts_sweep().raised)",
        ],
        clean_env,
        cwd=checkout,
    )
    assert sweep.returncode == 0, sweep.stderr
    assert int(sweep.stdout.strip().splitlines()[-1]) > 0


def production_env(clean_env, **overrides):
    env = {
        **clean_env,
        "DJANGO_SETTINGS_MODULE": "jintan.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "grid.jintan.gov.cn",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jintan",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def test_production_settings_pass_check_deploy(venv_python, clean_env):
    result = run(
        [venv_python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(clean_env),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without(missing, venv_python, clean_env):
    result = run(
        [venv_python, "manage.py", "check"],
        production_env(clean_env, **{missing: None}),
    )
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
