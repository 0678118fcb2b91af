"""``recover_tasks``: settle now the jobs lost with a dead worker (the worker does it too)."""

from django.core.management.base import BaseCommand

from ultraminebackend.worker import recover


class Command(BaseCommand):
    help = (
        "Fail generations (worker_lost) and settle task rows still running WORKER_LOST_AFTER_S "
        "after they started; a task row is put back in the queue once, failed the second time."
    )

    def handle(self, *args, **options):
        counts = recover()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
