"""``manage.py regenerate_thumbnails``: store the missing WebP thumbnail of every public image.

Idempotent (``--force`` remakes them, ``--dry-run`` only counts); exit status 1 when one failed."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from ultraminebackend.files.operations.thumbnails import (
    CHUNK_SIZE,
    Outcome,
    failure_reason,
    image_names,
    public_image_fields,
    regenerate,
)

# How each outcome is named in the summary; a dry run only says what it would have done.
_LABELS = {outcome: outcome.value for outcome in Outcome}
_DRY_RUN_LABELS = {**_LABELS, Outcome.CREATED: "would create"}


class ProgressBar:
    """``label [######......] 120/400``: redrawn in place on a terminal, once at the end in logs.

    On a terminal the bar is redrawn only when the percentage moves (at most ~100 writes per
    field, however many images). Anywhere else (cron, a container log) carriage returns would
    pile up into one endless line, so only the finished bar and the notes are written.
    """

    WIDTH = 30

    def __init__(self, stream, label: str, total: int):
        self.stream, self.label, self.total = stream, label, total
        self.live = stream.isatty()
        self.done = 0
        self._percent = -1
        if self.live:
            self._draw()

    def advance(self) -> None:
        self.done += 1
        if self.live and self._percentage() != self._percent:
            self._draw()

    def note(self, text: str) -> None:
        """A message on its own line; a live bar is drawn again below it."""
        if not self.live:
            self._write(text + "\n")
            return
        self._write("\r\033[K" + text + "\n")  # \033[K clears what is left of the bar
        self._draw()

    def close(self) -> None:
        if not self.live:
            self._draw()
        self._write("\n")

    def _percentage(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    def _draw(self) -> None:
        self._percent = self._percentage()
        filled = self.WIDTH * self._percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        start = "\r" if self.live else ""  # back to the start of the line to redraw over it
        self._write(f"{start}{self.label} [{bar}] {self.done}/{self.total}")

    def _write(self, text: str) -> None:
        # Plain text: Django styles stderr as errors (red) by default.
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = "Store the missing WebP thumbnails of public images (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be made; write nothing."
        )
        parser.add_argument(
            "--force", action="store_true", help="Make every thumbnail again, even when present."
        )

    def handle(self, *args, dry_run: bool, force: bool, **options):
        counts = Counter()
        for model, field in public_image_fields():
            counts.update(self._regenerate_field(model, field, dry_run=dry_run, force=force))
        labels = _DRY_RUN_LABELS if dry_run else _LABELS
        summary = ", ".join(f"{labels[outcome]} {counts[outcome]}" for outcome in Outcome)
        self.stdout.write(f"{'Dry run, nothing written' if dry_run else 'Thumbnails'}: {summary}")
        if counts[Outcome.FAILED]:
            raise CommandError(
                f"{counts[Outcome.FAILED]} thumbnail(s) could not be made; see the lines above."
            )

    def _regenerate_field(self, model, field, *, dry_run: bool, force: bool) -> Counter:
        names = image_names(model, field)
        progress = ProgressBar(self.stderr, f"{model._meta.label}.{field.name}", names.count())
        counts = Counter()
        for name in names.iterator(chunk_size=CHUNK_SIZE):
            try:
                outcome = regenerate(field.storage, name, force=force, dry_run=dry_run)
            # One unreadable file or storage hiccup must not stop a backfill of thousands: it is
            # reported by name, counted, and turns the exit status into a failure at the end.
            except Exception as exc:  # noqa: BLE001
                outcome = Outcome.FAILED
                progress.note(f"failed: {name}: {failure_reason(exc)}")
            counts[outcome] += 1
            if outcome is Outcome.MISSING_ORIGINAL:
                progress.note(f"missing original: {name}")
            progress.advance()
        progress.close()
        return counts
