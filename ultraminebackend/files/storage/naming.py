"""Generated storage names: ``<folder>/<random>.<ext>``; client file names never reach a key."""

import posixpath
import secrets
from pathlib import PurePosixPath

from django.utils.deconstruct import deconstructible

# Extensions we are willing to keep; anything else is stored without one.
_SAFE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf", ".mp4", ".webm", ".mov"}

# A public image's WebP thumbnail is stored beside it under this suffix.
THUMBNAIL_SUFFIX = ".thumb.webp"


def random_name(folder: str, extension: str) -> str:
    """A fresh, unguessable name: 128 bits, so URLs cannot be enumerated."""
    extension = extension.lower()
    suffix = extension if extension in _SAFE_EXTENSIONS else ""
    if suffix == ".jpeg":
        suffix = ".jpg"
    return f"{folder}/{secrets.token_hex(16)}{suffix}"


def thumbnail_name(name: str) -> str:
    """``orders/3f2a9c1e.jpg`` → ``orders/3f2a9c1e.thumb.webp`` (the folder is kept)."""
    return posixpath.splitext(name)[0] + THUMBNAIL_SUFFIX


@deconstructible
class UploadTo:
    """``upload_to`` callable: ``ImageField(upload_to=UploadTo("orders"))``."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.folder, PurePosixPath(filename or "").suffix)

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.folder == self.folder


@deconstructible
class UploadToByAttribute:
    """``upload_to`` whose folder follows a field of the row, e.g. a blog image's role::

        UploadToByAttribute("role", {"banner": "blog_banners", "featured": "blog_featured"})

    The attribute must be set before the file is saved; an unknown value is a programming error.
    """

    def __init__(self, attribute: str, folders: dict[str, str]):
        self.attribute = attribute
        self.folders = {value: folder.strip("/") for value, folder in folders.items()}

    def __call__(self, instance, filename: str) -> str:
        folder = self.folders[getattr(instance, self.attribute)]
        return random_name(folder, PurePosixPath(filename or "").suffix)

    def __eq__(self, other):
        return isinstance(other, UploadToByAttribute) and (other.attribute, other.folders) == (
            self.attribute,
            self.folders,
        )
