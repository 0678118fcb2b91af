"""Cheap reachability probes for the storage roles, used by ``/api/health/``."""

import os

from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage


def storage_reachable(storage: Storage) -> None:
    """Raise if the storage cannot be used; return quietly when it can.

    ``exists()`` is not enough on S3: django-storages answers False for a missing bucket, so the
    bucket itself is probed. Timeouts come from the client config (a few seconds).
    """
    if isinstance(storage, S3Storage):
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    elif isinstance(storage, FileSystemStorage):
        location = storage.location
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise PermissionError(f"{location} is not writable")
    else:  # pragma: no cover - no other backend is configured
        storage.exists("health-probe")
