"""Background tasks (Django's tasks API via the django-tasks backport; run by ``db_worker``)."""

from contextlib import suppress

from django_tasks import task

from . import services


@task()
def run_generation(generation_id: int) -> None:
    """Run one async generation; a failure is already recorded on the row, so it is not re-raised.

    Re-running the task is harmless: ``generation_run`` claims the record first.
    """
    with suppress(services.GenerationFailed):
        services.generation_run(generation_id=generation_id)
