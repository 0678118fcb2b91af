"""``manage.py storage_doctor``: prove both storage roles work end to end, or say what to change."""

from django.core.management.base import BaseCommand, CommandError

from ultraminebackend.assets.doctor import check_imagekit, describe_imagekit
from ultraminebackend.files.operations.doctor import (
    StepFailed,
    describe,
    probe_for,
    run_checks,
)
from ultraminebackend.files.storage.config import ROLES


class Command(BaseCommand):
    help = (
        "Write, read, fetch by URL and delete a probe file in the 'default' (public) and "
        "'private' storages (and a probe image through ImageKit when it is configured); print one "
        "line per step and a diagnosis for each failure."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=3.0,
            help="seconds to wait for each S3 or HTTP call (default 3)",
        )

    def handle(self, *args, timeout: float, **options):
        counts = {"ok": 0, "FAIL": 0, "skip": 0}
        for role in ROLES:
            try:
                probe = probe_for(role, timeout=timeout)
            except StepFailed as exc:
                self._line("FAIL", role, "setup", str(exc))
                counts["FAIL"] += 1
                continue
            self.stdout.write(f"{role}: {describe(probe.storage)}")
            for result in run_checks(probe):
                counts[result.status] += 1
                self._line(result.status, result.role, result.step, result.detail, result.extra)
        for index, result in enumerate(check_imagekit(timeout=timeout)):
            if index == 0:
                self.stdout.write(f"imagekit: {describe_imagekit()}")
            counts[result.status] += 1
            self._line(result.status, result.role, result.step, result.detail, result.extra)
        total = sum(counts.values())
        if counts["FAIL"]:
            raise CommandError(
                f"storage_doctor: {counts['FAIL']} of {total} checks failed"
                f" ({counts['skip']} skipped); fix the lines marked FAIL"
            )
        self.stdout.write(self.style.SUCCESS(f"storage_doctor: all {total} checks passed"))

    def _line(self, status, role, step, detail="", extra=()):
        line = f"{status:<5} {role:<8} {step:<13} {detail}".rstrip()
        style = {"ok": self.style.SUCCESS, "FAIL": self.style.ERROR}.get(status, str)
        self.stdout.write(style(line))
        for text in extra:
            self.stdout.write(f"      {text}")
