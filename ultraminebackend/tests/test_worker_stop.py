"""A real ``manage.py db_worker`` asked to stop: idle it exits at once, busy it hands its job back.

The worker runs as production runs it (a subprocess, ``DEBUG=0``, a SQLite file of the test's)
against the fake Gemini server, which holds the generation's call open. Every wait is bounded.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testsupport.fakes import FakeGeminiServer
from testsupport.liveserver import ROOT, manage, production_env

STOP_GRACE_S = 1
# Django's start-up in a subprocess on a busy 2-core machine, and the exit after the signal.
START_TIMEOUT_S = 60
EXIT_BOUND_S = 3


@pytest.fixture
def gemini():
    with FakeGeminiServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated SQLite file, made once for the module; each test works on a copy."""
    folder = tmp_path_factory.mktemp("migrated")
    manage(production_env(folder), "migrate", "--noinput")
    return folder / "live.sqlite3"


def sql(env, query: str) -> list[tuple]:
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def env(tmp_path, gemini, migrated):
    shutil.copy(migrated, tmp_path / "live.sqlite3")
    return production_env(
        tmp_path,
        AI_IMAGE_PROVIDER="gemini",
        GEMINI_API_KEY=gemini.api_key,
        GEMINI_BASE_URL=gemini.url,
        AI_TIMEOUT_S="30",
        DB_WORKER_STOP_GRACE_S=str(STOP_GRACE_S),
        LOG_LEVEL="INFO",
    )


def shell(env, code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).strip()


def start_worker(env, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def stop_and_time(worker: subprocess.Popen) -> float:
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    return time.monotonic() - started


def test_an_idle_worker_exits_at_once_even_while_sqlite_is_being_written(env, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    wait_for(lambda: b"Starting worker" in log.read_bytes(), "the worker to start")
    # given a writer holding SQLite's write lock (the server busy writing), which the worker's
    # polls wait for
    writer = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        time.sleep(0.5)  # let a poll start waiting for the lock (not a bound on anything)
        took = stop_and_time(worker)
    finally:
        writer.rollback()
        writer.close()

    assert worker.returncode == 0, log.read_text()
    assert took < EXIT_BOUND_S, log.read_text()


def test_a_busy_worker_hands_its_generation_back_within_its_grace(env, tmp_path, gemini):
    # given an async generation whose provider call never answers
    gemini.enqueue(gemini.hang(60))
    pk = shell(
        env,
        "from accounts.models import User; from ai_agent.services import generation_create; "
        "u = User.objects.create_user(email='w@example.com', password='x'); "
        "print(generation_create(user=u, prompt='a rig', run_async=True).pk)",
    )
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    wait_for(lambda: gemini.generate_requests, "the worker to call the provider")

    # when the worker is asked to stop
    took = stop_and_time(worker)

    # then it stopped within its grace, handing the job back to the queue
    assert worker.returncode == 0, log.read_text()
    assert took < STOP_GRACE_S + EXIT_BOUND_S, log.read_text()
    assert sql(env, "SELECT status FROM ai_agent_generation") == [("pending",)], log.read_text()
    assert sql(env, "SELECT status FROM django_tasks_database_dbtaskresult") == [("READY",)]

    # and the next worker runs it (the provider answers this time)
    manage(env, "db_worker", "--batch")
    generation = sql(env, f"SELECT status, billable FROM ai_agent_generation WHERE id = {int(pk)}")  # noqa: S608
    assert generation == [("succeeded", 1)]
    assert len(gemini.generate_requests) == 2


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_a_worker_starts_with_a_recovery_sweep(env, tmp_path):
    # given a generation left running long ago by a worker that was killed
    shell(
        env,
        "from datetime import timedelta; from django.utils import timezone; "
        "from accounts.models import User; from ai_agent.models import Generation; "
        "u = User.objects.create_user(email='k@example.com', password='x'); "
        "Generation.objects.create(user=u, prompt='p', enhanced_prompt='p', aspect_ratio='1:1', "
        "aspect_ratio_source='default', provider='gemini', model='m', status='running', "
        "is_async=True, started_at=timezone.now() - timedelta(hours=1))",
    )
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        wait_for(lambda: b"recovered jobs" in log.read_bytes(), "the start-up sweep")
    finally:
        stop_and_time(worker)

    assert sql(env, "SELECT error_code FROM ai_agent_generation") == [("worker_lost",)]
