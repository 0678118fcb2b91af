"""``manage.py regenerate_thumbnails``: store the missing WebP thumbnail of every public image.

Idempotent (``--force`` remakes them, ``--dry-run`` only counts); exit status 1 when one failed."""

import enum
from collections import Counter
from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from ultraminebackend.files.processing.intake import ALLOWED_FORMATS
from ultraminebackend.files.processing.variants import make_thumbnail
from ultraminebackend.files.storage.modelfields import PublicFileField, PublicImageField
from ultraminebackend.files.storage.naming import thumbnail_name

# Extensions the intake writes: the names in a media field that are images.
IMAGE_EXTENSIONS = sorted({stored.extension for stored in ALLOWED_FORMATS.values()})

# Names fetched per round trip: memory stays flat however large the table (a server-side cursor
# on PostgreSQL, chunked fetches on SQLite).
CHUNK_SIZE = 2000


class Outcome(enum.Enum):
    CREATED = "created"
    PRESENT = "already present"
    MISSING_ORIGINAL = "missing original"
    FAILED = "failed"


# How each outcome is named in the summary; a dry run only says what it would have done.
_LABELS = {outcome: outcome.value for outcome in Outcome}
_DRY_RUN_LABELS = {**_LABELS, Outcome.CREATED: "would create"}


class ThumbnailNameTaken(Exception):
    """Storage saved the thumbnail under another name: something else holds the expected one."""


def public_image_fields() -> Iterator[tuple[type, PublicImageField | PublicFileField]]:
    """Every public image field of every concrete model, each field once.

    ``PublicFileField`` (post media) holds videos too; ``image_names`` keeps its images only.
    """
    for model in apps.get_models():
        if model._meta.proxy:  # a proxy's rows are its concrete model's rows
            continue
        # Local fields only: a multi-table child would otherwise repeat its parent's images.
        for field in model._meta.local_concrete_fields:
            if isinstance(field, PublicImageField | PublicFileField):
                yield model, field


def image_names(model, field):
    """Distinct non-empty names the field holds, as a flat, lazily fetched query."""
    column = field.attname
    # The base manager: a default manager that hides rows (soft deletes) must not hide files.
    rows = model._base_manager.exclude(**{column: ""}).exclude(**{f"{column}__isnull": True})
    if isinstance(field, PublicFileField):  # videos have no thumbnail
        rows = rows.filter(
            reduce(or_, (Q(**{f"{column}__iendswith": ext}) for ext in IMAGE_EXTENSIONS))
        )
    return rows.order_by(column).values_list(column, flat=True).distinct()


def regenerate(storage, name: str, *, force: bool = False, dry_run: bool = False) -> Outcome:
    """Make and store the thumbnail of one stored image if it is missing (or ``force``)."""
    target = thumbnail_name(name)
    if not force and storage.exists(target):
        return Outcome.PRESENT
    if not storage.exists(name):
        return Outcome.MISSING_ORIGINAL
    if dry_run:
        return Outcome.CREATED
    # Opened, not read: make_thumbnail decodes from the file object (local files stream from
    # disk; S3 downloads into a spooled temporary file that spills to disk, see config.py).
    with storage.open(name, "rb") as original:
        thumbnail = make_thumbnail(original)
    if force:
        storage.delete(target)  # made first, so a failure above leaves the old one in place
    # Storages rename on collision (S3 has file_overwrite=False) instead of overwriting: the name
    # is free here, but a thumbnail under any other name would be an orphan nobody links to.
    saved = storage.save(target, ContentFile(thumbnail))
    if saved != target:
        storage.delete(saved)
        raise ThumbnailNameTaken(f"{target} appeared meanwhile; stored as {saved}, removed")
    return Outcome.CREATED


def failure_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):  # intake's guards: say what they said
        return " ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"


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
