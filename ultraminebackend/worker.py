"""Background work that survives its worker: periodic sweeps (recovery of lost jobs among them),
and a worker that stops cleanly.

See docs/worker-recovery.md.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from traceback import format_exception

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as DbWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

# Claims of one task before recovery gives up on it: the first run, and one re-run.
MAX_CLAIMS = 2


class WorkerStopping(BaseException):
    """Raised inside a running task when its worker must stop: hand the job back.

    A ``BaseException``, so the task's ``except Exception`` blocks (which record failures) let it
    through, as they do ``KeyboardInterrupt``.
    """


class WorkerLost(Exception):
    """Recorded on a task row whose worker stopped answering for good (failed, not run again)."""


def lost_before(now: datetime | None = None) -> datetime:
    """Started before this, a job still running is one no live worker is running."""
    return (now or timezone.now()) - timedelta(seconds=settings.WORKER_LOST_AFTER_S)


# --- Recovery -----------------------------------------------------------------------------------

_recoveries: list[Callable[[datetime], dict[str, int]]] = []


def register_recovery(recovery: Callable[[datetime], dict[str, int]]) -> None:
    """``recovery(now)`` settles an app's jobs lost with their worker; returns counts by name."""
    if recovery not in _recoveries:
        _recoveries.append(recovery)


def fail_task_rows(rows, *, reason: str) -> int:
    """Mark running task rows failed with ``WorkerLost`` (guarded: only rows still running)."""
    return rows.filter(status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback="".join(format_exception(WorkerLost(reason))),
        return_value=None,
    )


def recover_lost_tasks(now: datetime | None = None) -> dict[str, int]:
    """Task rows running past the bound: back in the queue once, then failed."""
    cutoff = lost_before(now)
    requeued = failed = 0
    for row in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        guarded = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if len(row.worker_ids) < MAX_CLAIMS:
            requeued += guarded.update(status=TaskResultStatus.READY, started_at=None)
        else:
            failed += fail_task_rows(guarded, reason=_lost_reason(row.started_at))
    return {"tasks_requeued": requeued, "tasks_failed": failed}


def _lost_reason(started_at) -> str:
    return (
        f"The worker running this task since {started_at:%Y-%m-%d %H:%M:%S} UTC stopped "
        f"answering (no outcome after WORKER_LOST_AFTER_S = {settings.WORKER_LOST_AFTER_S} s)."
    )


def recover(now: datetime | None = None) -> dict[str, int]:
    """Every app's recovery, then the generic one for task rows; counts of what was settled."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for recovery in _recoveries:
        counts.update(recovery(now))
    counts.update(recover_lost_tasks(now))
    if any(counts.values()):
        logger.warning("recovered jobs lost with their worker: %s", counts)
    return counts


# --- Sweeps -------------------------------------------------------------------------------------

SweepFn = Callable[[datetime], dict[str, int]]


@dataclass(frozen=True)
class Sweep:
    """``fn(now)`` settles what is due and returns counts by name; run every ``every`` seconds
    (a number, or the name of a setting read when the worker starts)."""

    fn: SweepFn
    every: str | float

    @property
    def interval(self) -> float:
        return float(getattr(settings, self.every) if isinstance(self.every, str) else self.every)

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))


_sweeps: list[Sweep] = []


def register_sweep(fn: SweepFn, *, every: str | float) -> None:
    """Have every task worker run ``fn(now)`` at start-up and then every ``every`` seconds."""
    if all(sweep.fn is not fn for sweep in _sweeps):
        _sweeps.append(Sweep(fn, every))


def registered_sweeps() -> list[Sweep]:
    return list(_sweeps)


register_sweep(recover, every="TASK_RECOVERY_INTERVAL_S")


class Sweeper:
    """Runs sweeps when they are due; ``clock`` (monotonic seconds) is injectable for tests."""

    def __init__(self, sweeps: Iterable[Sweep], *, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.due_at = dict.fromkeys(sweeps, 0.0)  # every sweep is due at start-up
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> float:
        """Run every sweep that is due; answers the seconds until the next one is."""
        for sweep, due_at in self.due_at.items():
            now = self.clock()
            if now >= due_at:
                self.due_at[sweep] = now + sweep.interval
                self._run(sweep)
        if not self.due_at:
            return 3600.0
        return max(0.0, min(self.due_at.values()) - self.clock())

    @staticmethod
    def _run(sweep: Sweep) -> None:
        close_old_connections()
        try:
            sweep.fn(timezone.now())
        except OperationalError as exc:  # the database is away: try again next time
            logger.warning("sweep %s skipped: %s", sweep.name, exc)
        except Exception:  # one broken sweep must not stop the others (nor the worker)
            logger.exception("sweep %s failed", sweep.name)

    def start(self) -> None:
        """Keep running the sweeps on a thread of their own until ``stop()``."""
        self._thread = threading.Thread(target=self._loop, name="sweeper", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.run_due()):
                pass
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self, timeout: float = 1.0) -> None:
        """Stop after the running sweep; a sweep stuck on the database does not hold the exit
        (the thread is a daemon)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


# --- The worker ---------------------------------------------------------------------------------


class Worker(DbWorker):
    """django-tasks-db's worker with the registered sweeps and a bounded, hand-back stop."""

    def __init__(
        self, *, stop_grace: float, sweeps: Iterable[Sweep] | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.stop_grace = stop_grace
        self.sweeper = Sweeper(registered_sweeps() if sweeps is None else sweeps)
        self._wake = threading.Event()

    # -- signals ----------------------------------------------------------------------------
    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGALRM)

    def configure_signals(self) -> None:
        self._previous_handlers = {number: signal.getsignal(number) for number in self.SIGNALS}
        super().configure_signals()
        signal.signal(signal.SIGALRM, self._grace_over)

    def reset_signals(self) -> None:
        """The handlers from before ``configure_signals`` (in tests: pytest's own)."""
        for number, handler in getattr(self, "_previous_handlers", {}).items():
            signal.signal(number, handler)

    def shutdown(self, signum, frame) -> None:
        name = signal.strsignal(signum)
        if not self.running:  # asked twice: hand the job back now
            logger.warning("Received %s again: handing the running task back now.", name)
            self._interrupt()
            return
        self.running = False
        self._wake.set()  # an idle worker leaves its wait at once
        if self.running_task:
            logger.warning(
                "Received %s: letting the running task finish for up to %s s.",
                name,
                self.stop_grace,
            )
            signal.setitimer(signal.ITIMER_REAL, max(self.stop_grace, 0.001))
        else:
            logger.warning("Received %s: stopping.", name)

    def _grace_over(self, signum, frame) -> None:
        if self.running_task:
            logger.warning("The task did not finish within %s s: handing it back.", self.stop_grace)
            self._interrupt()

    def _interrupt(self) -> None:
        if self.running_task:
            signal.setitimer(signal.ITIMER_REAL, 0)
            raise WorkerStopping

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.sweeper.run_due()  # start-up sweeps (recovery) before the first claim
            if not self.batch:
                self.sweeper.start()
            self._loop()
        finally:
            self.sweeper.stop()
            self.reset_signals()

    def _loop(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        while self.running:
            close_old_connections()
            task_result = self._claim()
            if task_result is not None:
                self.run_task(task_result)
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                if self.batch:
                    return
                self._wake.wait(self.interval)
        logger.info("Worker %s stopped.", self.worker_id)

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with short_lock_wait(tasks.db):
            try:
                with exclusive_transaction(tasks.db):
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(self.worker_id)
                    return task_result
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return None  # SQLite busy with a writer: poll again
                raise

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run a claimed task and record its outcome; a stopped task goes back to the queue."""
        self.running_task = True
        if not self.running:  # claimed while the stop signal arrived: the same grace
            signal.setitimer(signal.ITIMER_REAL, max(self.stop_grace, 0.001))
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            self.running_task = False
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except WorkerStopping:
            self.running_task = False
            self._hand_back(db_task_result)
        except Exception as exc:
            self.running_task = False
            db_task_result.set_failed(exc)
            logger.exception("Task id=%s failed", db_task_result.id)
        finally:
            self.running_task = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._run_tasks += 1

    def _hand_back(self, db_task_result: DBTaskResult) -> None:
        rows = DBTaskResult.objects.filter(pk=db_task_result.pk)
        if len(db_task_result.worker_ids) < MAX_CLAIMS:
            rows.filter(status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            logger.warning("Task id=%s handed back to the queue.", db_task_result.id)
        else:
            fail_task_rows(rows, reason="Its worker was stopped twice while running it.")
            logger.warning("Task id=%s stopped twice: failed.", db_task_result.id)


@contextmanager
def short_lock_wait(alias: str, *, timeout_ms: int = 1000):
    """On SQLite, wait at most ``timeout_ms`` for the write lock (then poll again later).

    The claim takes SQLite's write lock, and the project's busy timeout (SQLITE_BUSY_TIMEOUT_S,
    30 s) is spent in C, where no signal handler runs: an idle worker polling while the server
    writes could ignore SIGTERM that long.
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.in_atomic_block:
            busy_ms = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
