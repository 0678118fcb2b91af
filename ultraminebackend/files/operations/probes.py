"""Cheap reachability probes for the storage roles, used by ``/api/health/``."""

import os

import boto3
from botocore.config import Config
from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage

# A health check must answer quickly even when S3 hangs: no retries, two seconds per step.
PROBE_CONFIG = Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1})


def _probe_client(storage: S3Storage):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=storage.endpoint_url,
        region_name=storage.region_name,
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
        config=PROBE_CONFIG.merge(Config(signature_version="s3v4")),
    )


def storage_reachable(storage: Storage) -> None:
    """Raise if the storage cannot be used; return quietly when it can.

    ``exists()`` is not enough on S3: django-storages answers False for a missing bucket, so the
    bucket itself is probed, with a client of its own whose timeouts are short.
    """
    if isinstance(storage, S3Storage):
        _probe_client(storage).head_bucket(Bucket=storage.bucket_name)
    elif isinstance(storage, FileSystemStorage):
        location = storage.location
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise PermissionError(f"{location} is not writable")
    else:  # pragma: no cover - no other backend is configured
        storage.exists("health-probe")
