"""``migrate_media``: copy every stored file, keeping its name, between local folders and S3.

Both sides are built from settings for the mode named, never taken from the active ``STORAGES``."""

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, StorageHandler, default_storage
from django.db import models
from storages.backends.s3 import S3Storage

from ..storage.backends import private_storage
from ..storage.config import PRIVATE, PUBLIC, ROLES, S3Config, build_storages
from ..storage.errors import STORAGE_ERRORS
from ..storage.naming import thumbnail_name
from .diagnoses import explain, where_of

MODES = ("local", "s3")
# S3File buffers a whole object in a SpooledTemporaryFile that, with django-storages' default
# max_memory_size=0, never rolls over to disk: cap what a copy may hold in memory.
SPOOL_MAX_BYTES = 8 * 1024 * 1024


class Outcome(enum.Enum):
    COPIED = "copied"
    SKIPPED = "skipped"
    MISSING = "missing on source"
    FAILED = "failed"
    ABSENT = "absent variant"  # an optional variant the source never had: nothing to report


@dataclass(frozen=True)
class FileRef:
    role: str
    name: str
    origin: str  # "core.Product.image #12", for messages
    required: bool = True  # variants are copied when they exist, never reported missing


class CopyMismatch(Exception):
    """The destination does not hold exactly the source's object after the copy."""


# --- What to copy -------------------------------------------------------------------------------


def field_role(field: models.FileField) -> str | None:
    """The role (``PUBLIC``, ``PRIVATE``) of the storage object the field writes to, or None."""
    # By identity: both are lazy proxies, and comparing them by value would instantiate them.
    roles = {id(default_storage): PUBLIC, id(private_storage()): PRIVATE}
    return roles.get(id(field.storage))


def file_fields() -> Iterator[tuple[type[models.Model], models.FileField, str | None]]:
    # local_concrete_fields: each column once (proxies have none, multi-table children only
    # their own), so no file is listed twice through inheritance.
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field, field_role(field)


def variant_names(field: models.FileField, name: str, role: str) -> list[str]:
    """Names stored beside ``name`` (the field's ``stored_names``, and a public thumbnail)."""
    names = list(getattr(field, "stored_names", lambda n: [n])(name))
    if role == PUBLIC and isinstance(field, models.ImageField):
        names.append(thumbnail_name(name))
    return [n for n in dict.fromkeys(names) if n != name]


def file_refs() -> list[FileRef]:
    """Every stored name to copy, each (role, name) once, originals before their variants."""
    refs: dict[tuple[str, str], FileRef] = {}
    for model, field, role in file_fields():
        if role is None:
            continue
        rows = (
            model._base_manager.exclude(**{f"{field.attname}__isnull": True})
            .exclude(**{field.attname: ""})
            .order_by("pk")
            .values_list("pk", field.attname)
        )
        for pk, name in rows.iterator():
            origin = f"{model._meta.label}.{field.name} #{pk}"
            refs.setdefault((role, name), FileRef(role, name, origin))
            for variant in variant_names(field, name, role):
                refs.setdefault((role, variant), FileRef(role, variant, origin, required=False))
    return list(refs.values())


def unknown_storage_fields() -> list[str]:
    """Fields whose storage is neither role: not copied, but worth a warning."""
    return [
        f"{model._meta.label}.{field.name}" for model, field, role in file_fields() if role is None
    ]


# --- Where to copy ----------------------------------------------------------------------------


def s3_config_from_settings() -> S3Config:
    # Empty credentials fall back to boto3's chain, which reads the same AWS_* environment
    # variables settings.py does (or the instance role).
    return S3Config(
        bucket_name=settings.AWS_STORAGE_BUCKET_NAME,
        region_name=settings.AWS_S3_REGION_NAME,
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        access_key=getattr(settings, "AWS_ACCESS_KEY_ID", ""),
        secret_key=getattr(settings, "AWS_SECRET_ACCESS_KEY", ""),
        custom_domain=settings.AWS_S3_CUSTOM_DOMAIN,
    )


def storages_for(mode: str) -> dict[str, Storage]:
    """Both roles as ``mode`` (``local`` or ``s3``) would configure them, from settings."""
    config = build_storages(
        use_s3=mode == "s3",
        media_root=settings.MEDIA_ROOT,
        private_media_root=settings.PRIVATE_MEDIA_ROOT,
        private_url_ttl=settings.PRIVATE_URL_TTL,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
        s3=s3_config_from_settings() if mode == "s3" else None,
    )
    if mode == "s3":
        for role in ROLES:
            config[role]["OPTIONS"]["max_memory_size"] = SPOOL_MAX_BYTES
    handler = StorageHandler(config)
    return {role: handler[role] for role in ROLES}


# --- Copying ----------------------------------------------------------------------------------


def copy_file(source: Storage, destination: Storage, name: str, *, dry_run: bool) -> Outcome:
    """Copy one object to the same name; skip it when the destination has the same size.

    A destination object of another size can only be a leftover of an interrupted copy (names
    are random and never reused), so it is replaced. The source is never changed.
    """
    if not source.exists(name):
        return Outcome.MISSING
    size = source.size(name)
    existing = destination.size(name) if destination.exists(name) else None
    if existing == size:
        return Outcome.SKIPPED
    if dry_run:
        return Outcome.COPIED
    if existing is not None:
        destination.delete(name)
    with source.open(name, "rb") as content:
        # _save, not save(): save() passes the name through get_available_name(), which adds a
        # random suffix when the key exists (S3 has file_overwrite=False) and rewrites unusual
        # characters on disk. The rows hold this exact name, so this exact name is written. Both
        # backends stream the open file (S3: upload_fileobj, in parts for large files).
        written = destination._save(name, content)
    if written != name:
        destination.delete(written)
        raise CopyMismatch(f"the destination stored it as {written}")
    copied = destination.size(name)
    if copied != size:
        raise CopyMismatch(f"{copied} bytes at the destination, {size} at the source")
    return Outcome.COPIED


def copy_ref(
    ref: FileRef, sources: dict[str, Storage], destinations: dict[str, Storage], *, dry_run: bool
) -> tuple[Outcome, str]:
    """The outcome for one reference and, for failures, why (one line, no secrets)."""
    source, destination = sources[ref.role], destinations[ref.role]
    try:
        outcome = copy_file(source, destination, ref.name, dry_run=dry_run)
    except (*STORAGE_ERRORS, CopyMismatch) as exc:
        # Name the S3 side in the diagnosis: that is where the bucket, region and keys live.
        s3_side = source if isinstance(source, S3Storage) else destination
        return Outcome.FAILED, explain(exc, where_of(s3_side))
    if outcome is Outcome.MISSING and not ref.required:
        return Outcome.ABSENT, ""
    return outcome, ""
