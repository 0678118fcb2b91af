"""Model fields for every stored file: public images and private evidence.

They differ from Django's only in what happens around the storage call: storage failures become a
clear 503 (``StorageUnavailable``), stored names are reported to ``files_atomic`` so a failed write
leaves no orphan, and stale files are removed after commit (see ``cleanup``).
"""

from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile

from . import cleanup
from .errors import STORAGE_ERRORS, StorageUnavailable
from .naming import UploadTo
from .storages import private_storage


class _ManagedFileMixin:
    def save(self, name, content, save=True):
        try:
            super().save(name, content, save=False)
        except STORAGE_ERRORS as exc:
            raise StorageUnavailable() from exc
        cleanup.note_written(self.storage, self.field.stored_names(self.name))
        if save:
            self.instance.save()


class ManagedFieldFile(_ManagedFileMixin, FieldFile):
    pass


class ManagedImageFieldFile(_ManagedFileMixin, ImageFieldFile):
    pass


class PublicImageField(models.ImageField):
    """A public image (default storage) under ``folder/``, with a generated name."""

    attr_class = ManagedImageFieldFile

    def __init__(self, *args, folder: str | None = None, **kwargs):
        if folder is not None:
            kwargs["upload_to"] = UploadTo(folder)
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def stored_names(self, name: str) -> list[str]:
        """The original and every variant stored beside it (deleted together)."""
        return [name]


class PrivateFileField(models.FileField):
    """Payment evidence: private storage, reachable only through signed, expiring URLs."""

    attr_class = ManagedFieldFile

    def __init__(self, *args, folder: str | None = None, **kwargs):
        if folder is not None:
            kwargs["upload_to"] = UploadTo(folder)
        kwargs.setdefault("storage", private_storage)
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def stored_names(self, name: str) -> list[str]:
        return [name]


MANAGED_FIELDS = (PublicImageField, PrivateFileField)
