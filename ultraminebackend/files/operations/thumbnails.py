"""``regenerate_thumbnails``' work: every public image field of every model, and the making of
one missing thumbnail from its stored original."""

import enum
from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Q

from ..processing.intake import ALLOWED_FORMATS
from ..processing.variants import make_thumbnail
from ..storage.modelfields import PublicFileField, PublicImageField
from ..storage.naming import thumbnail_name

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
