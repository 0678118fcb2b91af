"""Settings read from the environment, checked the way the platform runs them: a fresh process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from ultraminebackend import env

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "api.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://app.example.com",
}


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py with only PATH/HOME and the given variables, as on a new container."""
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "SYSTEMROOT") if k in os.environ}
    # An empty .env path keeps a developer's own .env out of these runs.
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "DOTENV_PATH": os.devnull, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
        SECRET_KEY=secrets.token_urlsafe(50),
        REDIS_URL="redis://127.0.0.1:6379/0",  # (nothing connects during the check)
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_that_throttles_without_redis_count_per_process():
    result = manage("check", "--deploy", **PRODUCTION_ENV, SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr  # a warning: single-process setups still run
    assert "ultramine.W010" in result.stderr + result.stdout
    assert "REDIS_URL" in result.stderr + result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = manage("check", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("command", ["createsuperuser", "migrate"])
def test_a_command_without_debug_or_secret_key_says_what_to_do_in_a_paragraph(command):
    # given a fresh checkout: no .env, DEBUG unset (off), no SECRET_KEY
    result = manage(
        command,
        "--noinput" if command != "shell" else "-c",
        *(() if command != "shell" else ("pass",)),
    )

    # then one paragraph naming both ways out, not a traceback
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert "make superuser" in result.stderr and "DEBUG=1" in result.stderr


def test_static_files_build_without_secrets_or_database(tmp_path):
    # Koyeb's buildpack runs collectstatic at build time, before any secret is available.
    result = manage(
        "collectstatic",
        "--noinput",
        "--dry-run",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
    )

    assert result.returncode == 0, result.stderr


def test_a_sqlite_file_database_lets_readers_in_while_a_writer_holds_its_transaction(tmp_path):
    # The embedded default runs in WAL mode: a list request reads while a generation writes.
    database = tmp_path / "wal.sqlite3"
    script = (
        "import os, sqlite3\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA synchronous'); print(c.fetchone()[0])\n"
        "    c.execute('CREATE TABLE t (x)'); c.execute('INSERT INTO t VALUES (1)')\n"
        "    c.execute('BEGIN IMMEDIATE'); c.execute('INSERT INTO t VALUES (2)')\n"
        "    reader = sqlite3.connect(os.environ['WAL_TEST_DB'], timeout=0)\n"
        "    print(reader.execute('SELECT count(*) FROM t').fetchone()[0])\n"
        "    c.execute('COMMIT')\n"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        WAL_TEST_DB=str(database),
    )

    assert result.returncode == 0, result.stderr
    # wal; synchronous NORMAL (1); the reader saw the committed row, not "database is locked"
    assert result.stdout.split() == ["wal", "1", "1"]


def test_s3_switch_without_bucket_fails_naming_the_variable():
    result = manage("check", DEBUG="1", USE_S3="1")

    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("On", True), ("0", False), ("false", False), ("", False)],
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)

    assert env.env_bool("FLAG") is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")

    with pytest.raises(Exception, match="FLAG must be a boolean"):
        env.env_bool("FLAG")


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example.com, b.example.com ,")

    assert env.env_list("HOSTS") == ["a.example.com", "b.example.com"]
