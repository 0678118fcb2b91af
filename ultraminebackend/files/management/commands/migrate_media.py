"""``manage.py migrate_media --to s3|local``: copy every stored file into the other mode."""

from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ultraminebackend.files.operations.diagnoses import explain, where_of
from ultraminebackend.files.operations.probes import storage_reachable
from ultraminebackend.files.operations.transfer import (
    MODES,
    Outcome,
    copy_ref,
    file_refs,
    storages_for,
    unknown_storage_fields,
)
from ultraminebackend.files.storage.config import ROLES

# What each outcome is called in the summary, in the order it is printed.
SUMMARY_LABELS = {
    Outcome.COPIED: "copied",
    Outcome.SKIPPED: "skipped (already there)",
    Outcome.MISSING: "missing on source",
    Outcome.FAILED: "failed",
}
# Outcomes worth a line of their own, whatever the verbosity.
REPORTED = {Outcome.MISSING: "missing", Outcome.FAILED: "FAILED"}


class Progress:
    """A one-line bar on stderr when it is a terminal; in logs only a line per tenth."""

    WIDTH = 30

    def __init__(self, stream, total: int):
        self.stream, self.total, self.done = stream, total, 0
        self.live = stream.isatty()
        self.last_tenth = 0

    def advance(self):
        self.done += 1
        if self.live:
            filled = self.WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            # style_func=str: Django paints a terminal's stderr red, and this is no error.
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}", style_func=str, ending="")
            self.stream.flush()
            return
        tenth = 10 * self.done // max(self.total, 1)
        if tenth > self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(f"progress: {self.done}/{self.total} names checked", style_func=str)

    def clear(self):
        # Before another line is printed, so it does not land in the middle of the bar.
        if self.live:
            self.stream.write("\r" + " " * (self.WIDTH + 30) + "\r", style_func=str, ending="")

    def close(self):
        if self.live:
            self.stream.write("", style_func=str)


class Command(BaseCommand):
    help = (
        "Copy every file referenced by a file field, keeping its name, from the other mode's "
        "storages into --to (public files to 'default', payment evidence to 'private'). Skips "
        "files already there with the same size, never deletes the source; run it again to "
        "resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, choices=MODES, help="destination mode")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be copied; copy nothing"
        )

    def handle(self, *args, to: str, dry_run: bool, verbosity: int, **options):
        if not settings.AWS_STORAGE_BUCKET_NAME:
            raise CommandError("AWS_STORAGE_BUCKET_NAME is not set: S3 is one side of the copy.")
        source_mode = next(mode for mode in MODES if mode != to)
        sources, destinations = storages_for(source_mode), storages_for(to)
        self._preflight("source", sources)
        self._preflight("destination", destinations)
        for label in unknown_storage_fields():
            self.stderr.write(f"not copied: {label} uses a storage that is neither role")
        for role in ROLES:
            self.stdout.write(
                f"{role}: {describe(sources[role])} -> {describe(destinations[role])}"
            )
        refs = file_refs()
        counts = Counter()
        progress = Progress(self.stderr, len(refs))
        for ref in refs:
            outcome, reason = copy_ref(ref, sources, destinations, dry_run=dry_run)
            counts[outcome] += 1
            progress.advance()
            if outcome in REPORTED or (outcome is Outcome.COPIED and verbosity > 1):
                label = REPORTED.get(outcome, "copied")
                line = f"{label:<8} {ref.role:<8} {ref.name}  ({ref.origin}) {reason}"
                progress.clear()
                self.stdout.write(line.rstrip())
        progress.close()
        self._summary(counts, to=to, dry_run=dry_run)

    def _preflight(self, side: str, storages):
        # One clear failure up front beats the same error once per file.
        for role, storage in storages.items():
            try:
                storage_reachable(storage)
            except Exception as exc:  # any failure stops the run, explained
                raise CommandError(
                    f"{role} {side} unusable: {explain(exc, where_of(storage))} "
                    "(run `manage.py storage_doctor` with that mode for details)"
                ) from exc

    def _summary(self, counts: Counter, *, to: str, dry_run: bool):
        labels = {**SUMMARY_LABELS, **({Outcome.COPIED: "would copy"} if dry_run else {})}
        parts = [f"{label} {counts[outcome]}" for outcome, label in labels.items()]
        dry = " (dry run: nothing written)" if dry_run else ""
        summary = f"migrate_media --to {to}{dry}: {', '.join(parts)}"
        if counts[Outcome.FAILED]:
            raise CommandError(f"{summary}; run again to retry the failed files")
        self.stdout.write(self.style.SUCCESS(summary))


def describe(storage) -> str:
    where = where_of(storage)
    if where.bucket:
        return f"s3://{where.bucket}/{where.prefix}"
    return where.location
