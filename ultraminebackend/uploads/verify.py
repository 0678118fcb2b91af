"""A claimed upload's object before the intake: it exists, and its size (S3: ``HEAD``) is allowed.
The copy is bounded again while read: a second POST could replace the object meanwhile."""

import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from .models import Upload
from .purposes import PURPOSES
from .targets import quarantine_storage

CHUNK_BYTES = 1024 * 1024


def quarantined_file(upload: Upload) -> UploadedFile:
    """The upload's bytes as an uploaded file for the intake (on disk past
    ``FILE_UPLOAD_MAX_MEMORY_SIZE``, as Django spools a posted file: videos may be large)."""
    storage = quarantine_storage()
    if not storage.exists(upload.name):
        raise ValidationError(
            "Nothing was uploaded for this id: post the file to the upload URL first.",
            code="upload_missing",
        )
    size = storage.size(upload.name)
    _check_size(upload, size)
    # Handed on open to the intake and then to storage, as a posted file is.
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    with storage.open(upload.name, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            _check_size(upload, spool.tell() + len(chunk))
            spool.write(chunk)
    size = spool.tell()
    spool.seek(0)
    return UploadedFile(spool, name="upload", content_type=upload.content_type, size=size)


def _check_size(upload: Upload, size: int) -> None:
    if not size:
        raise ValidationError("The uploaded file is empty.", code="upload_empty")
    if size > upload.size:
        raise ValidationError(
            "The uploaded file is %(size)s bytes, more than the %(declared)s bytes declared.",
            code="upload_larger_than_declared",
            params={"size": size, "declared": upload.size},
        )
    cap = PURPOSES[upload.purpose].max_bytes(upload.content_type)
    if size > cap:  # the cap may have been lowered since the upload was announced
        raise ValidationError(
            "The uploaded file is %(size)s bytes; the limit is %(limit)s bytes.",
            code="upload_too_large",
            params={"size": size, "limit": cap},
        )
