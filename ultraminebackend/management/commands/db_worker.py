"""``db_worker``: django-tasks-db's worker with recovery of lost jobs and a bounded stop.

Same options as django-tasks-db's command; see ``ultraminebackend/worker.py`` for what differs.
"""

import os

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ultraminebackend.memory import tune_malloc
from ultraminebackend.worker import Worker


class Command(DbWorkerCommand):
    help = (
        "Run the database task worker; it runs the registered sweeps (at start-up and then each "
        "every its interval: jobs lost with a dead worker every TASK_RECOVERY_INTERVAL_S, due "
        "posts every POST_PUBLISH_INTERVAL_S) and, asked to stop, hands its task back within "
        "DB_WORKER_STOP_GRACE_S."
    )

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options):  # fmt: skip
        self.configure_logging(verbosity)
        tune_malloc()  # large blocks back to the system when freed (ultraminebackend/memory.py)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,  # a random pause at start-up is a pause SIGTERM must wait out
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
            stop_grace=settings.DB_WORKER_STOP_GRACE_S,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
