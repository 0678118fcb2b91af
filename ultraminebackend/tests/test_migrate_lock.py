"""``migrate`` on PostgreSQL: instances starting at once on an empty database all come up.

Each test migrates a database of its own (the test database's name + ``_migrate``), created empty
and dropped after, with ``manage.py migrate`` in subprocesses as the Procfile's web line runs it.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import get_commands
from django.db import connection

from testsupport.liveserver import ROOT, production_env
from ultraminebackend.management.commands.migrate import MIGRATE_LOCK_KEY

TIMEOUT_S = 180

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks are PostgreSQL's (set DATABASE_URL=postgres://…)",
)


def test_migrate_is_the_project_command():
    assert get_commands()["migrate"] == "ultraminebackend"


@pytest.fixture
def empty_database():
    """A fresh, empty PostgreSQL database; yields its URL."""
    params = connection.settings_dict
    name = f"{params['NAME']}_migrate"
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }

    def admin(sql):
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as db:
            db.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}", server, name
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_migrate(env):
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
@needs_postgres
def test_two_starts_at_once_on_an_empty_database_both_migrate(empty_database):
    url, _, _ = empty_database
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), DATABASE_URL=url)
        first, second = start_migrate(env), start_migrate(env)
        outputs = [process.communicate(timeout=TIMEOUT_S) for process in (first, second)]

    assert [first.returncode, second.returncode] == [0, 0], outputs
    # one of them did the work; the other waited, then found nothing left
    assert sum("Applying" in out for out, _ in outputs) == 1, outputs


@pytest.mark.postgres
@needs_postgres
def test_a_second_migrate_waits_for_the_lock_and_then_runs(empty_database):
    url, server, name = empty_database
    with (
        tempfile.TemporaryDirectory() as tmp,
        psycopg.connect(dbname=name, autocommit=True, **server) as holder,
    ):
        # given another instance holding the migration lock
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
        waiting = start_migrate(production_env(Path(tmp), DATABASE_URL=url))
        try:
            # then migrate says it waits, and does not touch the database meanwhile
            deadline = time.monotonic() + TIMEOUT_S
            line = waiting.stderr.readline()
            while "waiting" not in line and time.monotonic() < deadline and line:
                line = waiting.stderr.readline()
            assert "waiting" in line
            assert waiting.poll() is None
            tables = holder.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
            assert tables == 0
        finally:
            # when the lock is released
            holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
        out, err = waiting.communicate(timeout=TIMEOUT_S)

    # then it migrates
    assert waiting.returncode == 0, err
    assert "Applying accounts.0001_initial" in out
