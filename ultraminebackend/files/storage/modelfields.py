"""Model fields for every stored file (public images, public media, private evidence): they run
the intake, store the thumbnail, answer storage failures with a 503, register undo and cleanup."""

import logging
import posixpath
from functools import partial

from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import (
    FieldFile,
    FileDescriptor,
    ImageFieldFile,
    ImageFileDescriptor,
)

from ..processing.intake import IntakeImage, intake_image
from . import cleanup
from .backends import private_storage
from .errors import STORAGE_ERRORS, StorageUnavailable
from .forms import IntakeImageFormField
from .naming import UploadTo, thumbnail_name
from .undo import on_undo

logger = logging.getLogger(__name__)


class _ManagedFileMixin:
    def save(self, name, content, save=True):
        content = self.field.prepare(content)
        intake = content if isinstance(content, IntakeImage) else None
        if intake is not None:
            # The detected format names the file, never the caller's name: a PNG handed over
            # as "holiday.jpg" by a service or the shell is stored as .png, as on the API path.
            name = posixpath.splitext(name or "")[0] + intake.extension
        written: list[str] = []
        try:
            super().save(name, content, save=False)
            written.append(self.name)
            if intake is not None and intake.thumbnail and self.field.public:
                written.append(
                    self.storage.save(thumbnail_name(self.name), ContentFile(intake.thumbnail))
                )
        except STORAGE_ERRORS as exc:
            cleanup.delete_quietly(self.storage, written)  # no original without its thumbnail
            raise StorageUnavailable() from exc
        finally:
            if intake is not None:
                intake.close()
        on_undo(partial(cleanup.delete_quietly, self.storage, written))
        # Names only: never a URL (private ones are signed and would grant access from a log).
        logger.info(
            "file stored",
            extra={
                "field": str(self.field),
                "stored_name": self.name,
                "variants": len(written) - 1,
            },
        )
        if save:
            self.instance.save()


def store_assigned_files(instance: models.Model) -> None:
    """Store every file assigned to ``instance`` and not stored yet, now.

    ``Model.save()`` would store them itself, inside the transaction that writes the row; called
    first, inside ``undo_on_failure()``, it leaves the transaction only the rows to write.
    """
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.FileField):
            file = getattr(instance, field.attname)
            if file and not file._committed:
                file.save(file.name, file.file, save=False)


class ManagedFieldFile(_ManagedFileMixin, FieldFile):
    pass


class ManagedImageFieldFile(_ManagedFileMixin, ImageFieldFile):
    pass


class _NotingStoredNameMixin:
    """Notes the name a loaded row holds before the field first changes (``cleanup``).

    Reading the field as a file or assigning to it notes the stored name; post_save deletes it
    once the change is committed. Why not django-cleanup's post_init: docs/file-cleanup.md.
    """

    def __get__(self, instance, cls=None):
        if instance is not None:
            raw = instance.__dict__.get(self.field.attname)
            if type(raw) is str:  # as loaded from the database, about to become a FieldFile
                cleanup.note_stored_name(instance, self.field.attname, raw)
        return super().__get__(instance, cls)

    def __set__(self, instance, value):
        attname = self.field.attname
        if attname not in instance.__dict__ and not instance._state.adding:
            # Deferred (``.defer()``/``.only()``) and not loaded yet. A stored name arriving now
            # is the deferred load itself (``refresh_from_db`` hands over a committed FieldFile);
            # anything else replaces a file only the database knows, so ask it (one query, for
            # a rare assignment).
            is_stored_name = type(value) is str or (
                isinstance(value, FieldFile) and value._committed
            )
            if not is_stored_name:
                model = type(instance)
                rows = model._base_manager.using(instance._state.db).filter(pk=instance.pk)
                value_now = rows.values_list(attname, flat=True).first()
                cleanup.note_stored_name(instance, attname, value_now)
            super().__set__(instance, value)
            return
        previous = instance.__dict__.get(attname)
        if type(previous) is str:
            cleanup.note_stored_name(instance, attname, previous)
        elif isinstance(previous, FieldFile) and previous._committed:
            cleanup.note_stored_name(instance, attname, previous.name)
        super().__set__(instance, value)


def stored_name_getter(attname: str):
    """A function answering the name a row holds for a file field, or ``None``.

    What ``getattr(row, attname).name`` answers (``None`` for an empty field), without the
    FieldFile Django's descriptor builds on first access: a list page reads hundreds of names
    for URLs only. A loaded row holds the name as the string the database gave; anything else
    (deferred, assigned, already read as a file) goes through the descriptor.
    """

    def stored_name(instance):
        raw = instance.__dict__.get(attname)
        if type(raw) is str:
            return raw or None
        if raw is None and attname in instance.__dict__:
            return None
        file = getattr(instance, attname)
        return file.name if file else None

    return stored_name


class _NotingFileDescriptor(_NotingStoredNameMixin, FileDescriptor):
    pass


class _NotingImageFileDescriptor(_NotingStoredNameMixin, ImageFileDescriptor):
    pass


class _ManagedField:
    """What the three fields share: a folder, a generated name, the intake, variant names."""

    public = True
    runs_intake = True
    fingerprints = False  # whether the intake also computes the perceptual hash

    def __init__(self, *args, folder: str | None = None, **kwargs):
        if folder is not None:
            kwargs["upload_to"] = UploadTo(folder)
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def prepare(self, content):
        """Run the intake unless the upload field already did (it hands over an ``IntakeImage``)."""
        if not self.runs_intake or isinstance(content, IntakeImage):
            return content
        return intake_image(content, thumbnail=self.public, fingerprint=self.fingerprints)

    def stored_names(self, name: str) -> list[str]:
        """The original and every variant stored beside it (deleted and copied together)."""
        return [name, thumbnail_name(name)] if self.public else [name]

    def formfield(self, **kwargs):
        if self.runs_intake:
            kwargs = {
                "form_class": IntakeImageFormField,
                "private": not self.public,
                "fingerprint": self.fingerprints,
                **kwargs,
            }
        return super().formfield(**kwargs)


class PublicImageField(_ManagedField, models.ImageField):
    """A public image (default storage) under ``folder/``, with a WebP thumbnail beside it."""

    attr_class = ManagedImageFieldFile
    descriptor_class = _NotingImageFileDescriptor


class PublicFileField(_ManagedField, models.FileField):
    """Public post media, image or video: the content service runs the intake for images."""

    attr_class = ManagedFieldFile
    descriptor_class = _NotingFileDescriptor
    runs_intake = False


class PrivateFileField(_ManagedField, models.FileField):
    """Payment evidence (an image): private storage, signed expiring URLs, no public variant."""

    attr_class = ManagedFieldFile
    descriptor_class = _NotingFileDescriptor
    public = False
    fingerprints = True  # evidence is compared for reuse (core/proofs.py)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        super().__init__(*args, **kwargs)


MANAGED_FIELDS = (PublicImageField, PublicFileField, PrivateFileField)


def managed_fields(model) -> list:
    """The fields of ``model`` whose files this package stores and cleans up."""
    return [f for f in model._meta.concrete_fields if isinstance(f, MANAGED_FIELDS)]


def connect_signals() -> None:
    """Connect ``cleanup``'s handlers to each model with a managed field (``FilesConfig.ready``)."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for model in apps.get_models():
        fields = managed_fields(model)
        if not fields:
            continue
        model._managed_file_fields = fields
        post_save.connect(
            cleanup.delete_replaced_files, sender=model, dispatch_uid=f"files-save-{model}"
        )
        post_delete.connect(
            cleanup.delete_files_of_deleted_row, sender=model, dispatch_uid=f"files-delete-{model}"
        )
