"""Where the browser posts an upload: an S3 presigned POST, or our own URL in local mode.
Both answer ``(url, fields)`` and bound the size, the ``Content-Type`` field and the expiry."""

import posixpath

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from django.urls import reverse
from storages.backends.s3 import S3Storage

from ultraminebackend.files.storage.links import absolute_url

from .models import Upload

LOCAL_POLICY_SALT = "ultraminebackend.uploads.local-policy"


def quarantine_storage():
    """The private role: quarantined files are never publicly reachable (nor in ``media/``)."""
    return storages["private"]


def upload_target(upload: Upload, request) -> tuple[str, dict[str, str]]:
    storage = quarantine_storage()
    if isinstance(storage, S3Storage):
        return _presigned_post(storage, upload)
    return _local_post(upload, request)


def _presigned_post(storage: S3Storage, upload: Upload) -> tuple[str, dict[str, str]]:
    key = posixpath.join(storage.location, upload.name) if storage.location else upload.name
    post = storage.connection.meta.client.generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": upload.content_type},
        Conditions=[
            {"Content-Type": upload.content_type},
            ["content-length-range", 1, upload.size],
        ],
        ExpiresIn=settings.UPLOAD_URL_TTL,
    )
    return post["url"], post["fields"]


def _local_post(upload: Upload, request) -> tuple[str, dict[str, str]]:
    policy = {"id": upload.id.hex, "type": upload.content_type, "max": upload.size}
    fields = {
        "key": upload.name,
        "Content-Type": upload.content_type,
        "policy": signing.dumps(policy, salt=LOCAL_POLICY_SALT),
    }
    return absolute_url(reverse("upload-local"), request), fields


def read_local_policy(token: str) -> dict:
    """The policy a local upload URL was given; ``signing.BadSignature`` when forged or expired."""
    return signing.loads(token, salt=LOCAL_POLICY_SALT, max_age=settings.UPLOAD_URL_TTL)
