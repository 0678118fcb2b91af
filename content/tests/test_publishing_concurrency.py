"""Exactly once with many sweepers: threads and processes sweeping at the same moment, and real
``db_worker`` processes publishing on their own.

Every sweeper reports what its guarded ``UPDATE``s changed; the reports must add up to the number
of due posts (an unguarded update would count a post once per sweeper that saw it).
"""

import json
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from content.models import Post
from content.publishing import posts_publish_due
from testsupport.db import POSTGRES_ONLY, run_concurrently
from testsupport.fakes import FakeGeminiServer
from testsupport.liveserver import ROOT, manage, production_env, stop_process

DUE_POSTS = 40
SWEEPERS = 6
# Start-up of Django in subprocesses on a busy 2-core machine; a bound on waiting, not on speed.
TIMEOUT_S = 120


def postgres_only(test):
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


@postgres_only
def test_threads_sweeping_at_once_publish_each_post_once(make_user):
    # given due posts
    user = make_user()
    now = timezone.now()
    Post.objects.bulk_create(
        Post(user=user, caption=f"p{i}", status="scheduled", scheduled_at=now - timedelta(1))
        for i in range(DUE_POSTS)
    )
    reports, lock = [], threading.Lock()

    # when several sweepers start at the same moment, each with its own clock reading
    def sweep(i):
        counts = posts_publish_due(now + timedelta(microseconds=i))
        with lock:
            reports.append(counts["posts_published"])

    assert run_concurrently(SWEEPERS, sweep) == ["ok"] * SWEEPERS

    # then every post was published by exactly one of them
    assert sum(reports) == DUE_POSTS
    assert not Post.objects.exclude(status="published").exists()
    stamps = {now + timedelta(microseconds=i) for i in range(SWEEPERS)}
    assert set(Post.objects.values_list("published_at", flat=True)) <= stamps


# --- processes ------------------------------------------------------------------------------------

SEED = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from content.models import Post
user = User.objects.filter(email="s@example.com").first()
user = user or User.objects.create_user(email="s@example.com", password="x")
at = timezone.now() + timedelta(seconds={delay})
Post.objects.bulk_create(
    Post(user=user, caption=str(i), status="scheduled", scheduled_at=at) for i in range({n})
)
"""

SWEEP_ON_GO = """
import json, pathlib, time
from content.publishing import posts_publish_due
pathlib.Path("{ready}").touch()
while not pathlib.Path("{go}").exists():
    time.sleep(0.01)
print("COUNTS " + json.dumps(posts_publish_due()))
"""


@pytest.fixture
def shared_env(transactional_db, tmp_path):
    """Settings for subprocesses on a database this test can read: PostgreSQL's test database
    (emptied after the test), or a migrated SQLite file."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        return production_env(tmp_path, DATABASE_URL=url, LOG_LEVEL="INFO")
    env = production_env(tmp_path, LOG_LEVEL="INFO")
    manage(env, "migrate", "--noinput")
    return env


def published(env) -> list[str]:
    code = (
        "from content.models import Post; "
        "print(*Post.objects.exclude(status='scheduled').values_list('status', flat=True))"
    )
    return manage(env, "shell", "--no-imports", "-c", code).split()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_processes_sweeping_at_once_publish_each_post_once(shared_env, tmp_path):
    # given due posts, and sweepers in separate processes, each ready to sweep on a signal
    manage(shared_env, "shell", "--no-imports", "-c", SEED.format(delay=-1, n=DUE_POSTS))
    go = tmp_path / "go"
    sweepers = []
    for i in range(SWEEPERS):
        code = SWEEP_ON_GO.format(ready=tmp_path / f"ready{i}", go=go)
        sweepers.append(
            subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
                [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
                cwd=ROOT,
                env=shared_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    try:
        wait_for(lambda: all((tmp_path / f"ready{i}").exists() for i in range(SWEEPERS)), "ready")

        # when they all sweep at once
        go.touch()
        outputs = [sweeper.communicate(timeout=TIMEOUT_S)[0] for sweeper in sweepers]
    finally:
        for sweeper in sweepers:
            if sweeper.poll() is None:
                sweeper.kill()

    # then their reports add up to one publication per post
    reports = [json.loads(re.search(r"^COUNTS (.*)$", out, re.M).group(1)) for out in outputs]
    assert sum(report["posts_published"] for report in reports) == DUE_POSTS, outputs
    assert published(shared_env) == ["published"] * DUE_POSTS


def test_two_db_workers_publish_each_scheduled_post_once_at_its_time(shared_env, tmp_path):
    # given posts scheduled a few seconds ahead, and two workers sweeping every second
    posts = 10
    env = {**shared_env, "POST_PUBLISH_INTERVAL_S": "1"}
    manage(env, "shell", "--no-imports", "-c", SEED.format(delay=4, n=posts))
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    workers = []
    for log in logs:
        with log.open("ab") as out:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        # when their time comes, then the workers publish them
        wait_for(lambda: published(env) == ["published"] * posts, "the workers to publish")
    finally:
        for worker in workers:
            stop_process(worker)

    # once each: the workers' own reports add up to the number of posts
    text = "".join(log.read_text() for log in logs)
    assert sum(map(int, re.findall(r"'posts_published': (\d+)", text))) == posts, text
    check = (
        "from content.models import Post; "
        "print(all(p.published_at >= p.scheduled_at for p in Post.objects.all()))"
    )
    assert manage(env, "shell", "--no-imports", "-c", check).strip() == "True"


def test_a_worker_busy_with_a_long_task_still_publishes_on_time(tmp_path):
    """The sweeps have their own thread: a generation hanging at the provider delays nothing."""
    with FakeGeminiServer() as gemini:
        # given a worker busy with a generation whose provider call does not answer
        gemini.enqueue(gemini.hang(60))
        env = production_env(
            tmp_path,
            AI_IMAGE_PROVIDER="gemini",
            GEMINI_API_KEY=gemini.api_key,
            GEMINI_BASE_URL=gemini.url,
            AI_TIMEOUT_S="90",
            POST_PUBLISH_INTERVAL_S="1",
            DB_WORKER_STOP_GRACE_S="1",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "--no-imports", "-c", BUSY)
        log = tmp_path / "worker.log"
        with log.open("ab") as out:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: gemini.generate_requests, "the worker to call the provider")

            # when a post scheduled after that comes due
            manage(env, "shell", "--no-imports", "-c", SEED.format(delay=2, n=1))

            # then it is published while the task still runs
            wait_for(lambda: published(env) == ["published"], "the post to be published")
            status = "from ai_agent.models import Generation as G; print(G.objects.get().status)"
            assert manage(env, "shell", "--no-imports", "-c", status).strip() == "running"
        finally:
            stop_process(worker)


BUSY = """
from accounts.models import User
from ai_agent.services import generation_create
user = User.objects.create_user(email="s@example.com", password="x")
generation_create(user=user, prompt="a rig", run_async=True)
"""
