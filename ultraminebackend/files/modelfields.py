"""Model fields for every stored file: public images, public media and private evidence.

They differ from Django's only around the storage call:

* an image that has not been through the intake yet (a service, the shell) goes through it here,
  so nothing reaches storage un-normalised; the thumbnail the intake made is stored beside it;
* storage failures become a clear 503 (``StorageUnavailable``), and a half-written pair is removed;
* stored names are reported to ``files_atomic`` so a failed write leaves no orphan, and files a
  committed change no longer references are removed after commit (``cleanup``).
"""

import logging
import posixpath

from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile

from . import cleanup
from .errors import STORAGE_ERRORS, StorageUnavailable
from .forms import IntakeImageFormField
from .intake import intake_image
from .naming import UploadTo
from .storages import private_storage
from .variants import thumbnail_name

logger = logging.getLogger(__name__)


class _ManagedFileMixin:
    def save(self, name, content, save=True):
        content = self.field.prepare(content)
        intake = getattr(content, "intake", None)
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
                intake.file.close()
        cleanup.note_written(self.storage, written)
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


class ManagedFieldFile(_ManagedFileMixin, FieldFile):
    pass


class ManagedImageFieldFile(_ManagedFileMixin, ImageFieldFile):
    pass


class _ManagedField:
    """What the three fields share: a folder, a generated name, the intake, variant names."""

    public = True
    runs_intake = True

    def __init__(self, *args, folder: str | None = None, **kwargs):
        if folder is not None:
            kwargs["upload_to"] = UploadTo(folder)
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def prepare(self, content):
        """Run the intake unless the upload field already did (its result rides on ``.intake``)."""
        if not self.runs_intake or hasattr(content, "intake"):
            return content
        result = intake_image(content, thumbnail=self.public)
        result.file.intake = result
        return result.file

    def stored_names(self, name: str) -> list[str]:
        """The original and every variant stored beside it (deleted and copied together)."""
        return [name, thumbnail_name(name)] if self.public else [name]

    def formfield(self, **kwargs):
        if self.runs_intake:
            kwargs = {"form_class": IntakeImageFormField, "private": not self.public, **kwargs}
        return super().formfield(**kwargs)


class PublicImageField(_ManagedField, models.ImageField):
    """A public image (default storage) under ``folder/``, with a WebP thumbnail beside it."""

    attr_class = ManagedImageFieldFile


class PublicFileField(_ManagedField, models.FileField):
    """Public post media, image or video: the content service runs the intake for images."""

    attr_class = ManagedFieldFile
    runs_intake = False


class PrivateFileField(_ManagedField, models.FileField):
    """Payment evidence (an image): private storage, signed expiring URLs, no public variant."""

    attr_class = ManagedFieldFile
    public = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        super().__init__(*args, **kwargs)


MANAGED_FIELDS = (PublicImageField, PublicFileField, PrivateFileField)
