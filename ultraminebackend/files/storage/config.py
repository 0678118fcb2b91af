"""The storage roles and the ``STORAGES`` setting for both modes (settings.py, the tests and
``migrate_media`` share it): ``default`` public media, ``private`` evidence, ``staticfiles``."""

import json
from dataclasses import dataclass
from pathlib import Path

# The roles files are stored in, as ``STORAGES`` names them (``staticfiles`` is the third entry).
PUBLIC = "default"
PRIVATE = "private"
ROLES = (PUBLIC, PRIVATE)

PUBLIC_S3_STORAGE = "ultraminebackend.files.storage.backends.PublicS3Storage"
PRIVATE_S3_STORAGE = "ultraminebackend.files.storage.backends.PrivateS3Storage"
PUBLIC_LOCAL_STORAGE = "ultraminebackend.files.storage.backends.PublicFileSystemStorage"
PRIVATE_LOCAL_STORAGE = "ultraminebackend.files.storage.backends.PrivateFileSystemStorage"

# Files read back from S3 (``storage.open``) are downloaded into a spooled temporary file whose
# size cap is django-storages' ``max_memory_size``; its default of 0 means "never spill", so a
# 25 MB original would be held in memory whole. Beyond this size it goes to disk instead.
S3_READ_SPOOL_BYTES = 4 * 1024 * 1024

# Generated names are never reused, so public objects can be cached "forever" by browsers and CDNs.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, no-store"
S3_MAX_ATTEMPTS = 2  # in all, the first try included


@dataclass(frozen=True)
class S3Config:
    bucket_name: str
    region_name: str = ""
    endpoint_url: str = ""
    access_key: str = ""
    secret_key: str = ""
    custom_domain: str = ""
    # A hung endpoint costs read_timeout_s x S3_MAX_ATTEMPTS before the upload answers 503:
    # 10 s in all (tests/test_faults.py), under a user's patience and gunicorn's timeout.
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 5.0

    def options(self) -> dict:
        from botocore.config import Config

        return {
            "bucket_name": self.bucket_name,
            "region_name": self.region_name or None,
            "endpoint_url": self.endpoint_url or None,
            # Empty credentials fall back to boto3's chain (instance role, ~/.aws, env).
            "access_key": self.access_key or None,
            "secret_key": self.secret_key or None,
            "signature_version": "s3v4",
            # Uploads must fail fast (a clear 503) instead of hanging a worker thread.
            "client_config": Config(
                connect_timeout=self.connect_timeout_s,
                read_timeout=self.read_timeout_s,
                # total_max_attempts counts the first try; "max_attempts" would mean retries
                # (3 tries, 15 s on a hang: tests/test_faults.py found it).
                retries={"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
                signature_version="s3v4",
            ),
            # Buckets created since 2023 have ACLs disabled: public read comes from the bucket
            # policy, and sending an ACL header would make every upload fail.
            "default_acl": None,
            "file_overwrite": False,
            "max_memory_size": S3_READ_SPOOL_BYTES,
        }


def build_storages(
    *,
    use_s3: bool,
    media_root: Path,
    private_media_root: Path,
    private_url_ttl: int,
    static_backend: str,
    s3: S3Config | None = None,
) -> dict:
    if use_s3:
        if s3 is None:
            raise ValueError("use_s3=True needs an S3Config")
        common = s3.options()
        public = {
            "BACKEND": PUBLIC_S3_STORAGE,
            "OPTIONS": {
                **common,
                "location": "media",
                "querystring_auth": False,
                "custom_domain": s3.custom_domain or None,
                "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
            },
        }
        private = {
            "BACKEND": PRIVATE_S3_STORAGE,
            "OPTIONS": {
                **common,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": private_url_ttl,
                # Never the CDN: a custom-domain URL would be unsigned, hence public.
                "custom_domain": None,
                "object_parameters": {"CacheControl": PRIVATE_CACHE_CONTROL},
            },
        }
    else:
        public = {
            "BACKEND": PUBLIC_LOCAL_STORAGE,
            "OPTIONS": {"location": str(media_root), "base_url": "/media/"},
        }
        private = {
            "BACKEND": PRIVATE_LOCAL_STORAGE,
            "OPTIONS": {"location": str(private_media_root), "url_ttl": private_url_ttl},
        }
    return {PUBLIC: public, PRIVATE: private, "staticfiles": {"BACKEND": static_backend}}


def public_media_policy(bucket: str) -> str:
    """The bucket policy that makes ``media/`` (and nothing else) publicly readable.

    With ACLs disabled this is how public media becomes loadable by browsers; ``private/`` stays
    reachable only through presigned URLs. The README's deploy section shows the same document.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadMedia",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/media/*",
                }
            ],
        }
    )
