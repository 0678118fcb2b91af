"""Jobs lost with their worker: settled by the recovery, and not counted in the quota.

A worker killed mid-job (SIGKILL: an OOM kill, a redeploy past its grace) runs nothing more, so
these tests leave the rows as it leaves them — the task row claimed (``RUNNING``), the generation
claimed or not — and move the clock (time-machine) past ``WORKER_LOST_AFTER_S``.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ai_agent.models import Generation
from ultraminebackend.worker import MAX_CLAIMS, WorkerLost, recover

pytestmark = pytest.mark.django_db(transaction=True)  # tasks are enqueued on commit

URL = "/api/ai-agent/generate-image"
START = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
LOST_AFTER_S = 70


@pytest.fixture(autouse=True)
def _bounds(settings):
    settings.AI_DAILY_LIMIT = 1
    settings.WORKER_LOST_AFTER_S = LOST_AFTER_S


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def generate(client, run_async=True):
    return client.post(URL, {"prompt": "a mining rig", "async": run_async}, format="json")


def die_mid_generation(generation_id: int, *, generation_claimed: bool = True) -> DBTaskResult:
    """What a killed worker leaves: its claim of the task row and (usually) of the generation."""
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")
    if generation_claimed:
        Generation.objects.filter(pk=generation_id).update(
            status=Generation.Status.RUNNING, started_at=timezone.now()
        )
    return task


def test_a_generation_lost_mid_run_fails_worker_lost_and_gives_the_quota_back(
    clock, client_for, user, gemini
):
    # given a user's only generation of the day, lost with its worker
    client = client_for(user)
    generation_id = generate(client).json()["id"]
    task = die_mid_generation(generation_id)
    assert generate(client).status_code == 429  # it counts while it may still be running

    # when the recovery runs before the bound, nothing changes
    clock.shift(timedelta(seconds=LOST_AFTER_S - 1))
    assert not any(recover().values())
    # and once past it
    clock.shift(timedelta(seconds=2))
    counts = recover()

    # then the generation failed (worker_lost, not billable) and so did its task row
    assert counts["generations_failed"] == 1
    generation = Generation.objects.get(pk=generation_id)
    assert (generation.status, generation.error_code, generation.billable) == (
        "failed",
        "worker_lost",
        False,
    )
    assert generation.finished_at == timezone.now()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == f"{WorkerLost.__module__}.WorkerLost"
    # and the user has their generation back; polling shows the failure
    polled = client.get(f"/api/ai-agent/generations/{generation_id}/").json()
    assert (polled["status"], polled["error_code"]) == ("failed", "worker_lost")
    assert generate(client).status_code == 202
    assert len(gemini.generate_requests) == 0  # not re-run: the lost call may have been billed


def test_a_sync_generation_lost_with_its_gunicorn_worker_is_failed_too(clock, user, gemini):
    # given a generation a request was running when its gunicorn worker was killed
    generation = Generation.objects.create(
        user=user,
        prompt="p",
        enhanced_prompt="p",
        aspect_ratio="1:1",
        aspect_ratio_source="default",
        provider="gemini",
        model="m",
        status=Generation.Status.RUNNING,
        started_at=timezone.now(),
    )
    clock.shift(timedelta(seconds=LOST_AFTER_S + 1))

    # when recovery runs as a command
    call_command("recover_tasks", verbosity=0)

    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "worker_lost")


def test_a_task_lost_before_its_generation_started_runs_again_once(clock, client_for, user, gemini):
    # given a worker killed between claiming the task and claiming the generation
    client = client_for(user)
    generation_id = generate(client).json()["id"]
    die_mid_generation(generation_id, generation_claimed=False)
    clock.shift(timedelta(seconds=LOST_AFTER_S + 1))

    # when recovery runs: the task is back in the queue, and the generation still pending
    assert recover()["tasks_requeued"] == 1
    assert Generation.objects.get(pk=generation_id).status == "pending"
    # and a worker runs it
    call_command("db_worker", "--batch", verbosity=0)

    # then it ran, once
    assert Generation.objects.get(pk=generation_id).status == "succeeded"
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert len(gemini.generate_requests) == 1


def test_a_task_lost_twice_fails_and_its_pending_generation_with_it(clock, client_for, user):
    client = client_for(user)
    generation_id = generate(client).json()["id"]
    task = die_mid_generation(generation_id, generation_claimed=False)

    for attempt in range(1, MAX_CLAIMS + 1):
        clock.shift(timedelta(seconds=LOST_AFTER_S + 1))
        counts = recover()
        task.refresh_from_db()
        if attempt < MAX_CLAIMS:
            assert task.status == TaskResultStatus.READY
            task.claim(f"killed-again-{attempt}")
    assert counts["tasks_failed"] == 1
    assert task.status == TaskResultStatus.FAILED

    # the generation, pending with no task left to run it, is failed by the next sweep
    clock.shift(timedelta(seconds=1))
    assert recover()["generations_failed"] == 1
    generation = Generation.objects.get(pk=generation_id)
    assert (generation.status, generation.billable) == ("failed", False)
    assert generate(client).status_code == 202


def test_a_pending_generation_waiting_for_a_worker_is_left_alone(clock, client_for, user):
    # no worker for hours: the task is still in the queue, so the generation will run
    generation_id = generate(client_for(user)).json()["id"]
    clock.shift(timedelta(hours=3))

    assert not any(recover().values())
    assert Generation.objects.get(pk=generation_id).status == "pending"
