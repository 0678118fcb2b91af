"""Test helpers shared by every app: in-memory image files, S3 (moto) storages, buckets and IAM.

Images are drawn by Pillow on demand, so the repository carries no binary fixtures.
"""

import io
import json
import urllib.request
from contextlib import contextmanager

import boto3
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from .config import S3Config, build_storages, public_media_policy

_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), color="#c0392b") -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def image_file(
    name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **kwargs
) -> SimpleUploadedFile:
    """An uploaded image as a browser would send it."""
    return SimpleUploadedFile(
        name, image_bytes(fmt, size, **kwargs), content_type=_CONTENT_TYPES.get(fmt, "image/jpeg")
    )


def s3_storages(*, endpoint_url: str, bucket: str, private_url_ttl: int = 900) -> dict:
    """``STORAGES`` for S3 mode against an S3-compatible endpoint (moto's server in tests)."""
    return build_storages(
        use_s3=True,
        media_root=None,
        private_media_root=None,
        private_url_ttl=private_url_ttl,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
        s3=S3Config(
            bucket_name=bucket,
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            access_key="testing",
            secret_key="testing",  # noqa: S106 - moto accepts any credentials
        ),
    )


def s3_client(endpoint_url: str, service: str = "s3"):
    """A boto3 client for moto's server with the credentials moto accepts while auth is off."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's placeholder credentials
    )


def create_bucket(*, endpoint_url: str, bucket: str, public_media: bool = True):
    """A bucket as the README sets it up: ``media/`` public through the bucket policy."""
    client = s3_client(endpoint_url)
    client.create_bucket(Bucket=bucket)
    if public_media:
        client.put_bucket_policy(Bucket=bucket, Policy=public_media_policy(bucket))
    return client


def iam_user(*, endpoint_url: str, name: str, policy: dict | None = None) -> tuple[str, str]:
    """An IAM user on moto (optionally with an inline policy); returns its key id and secret."""
    iam = s3_client(endpoint_url, "iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="app", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextmanager
def moto_iam_auth(endpoint_url: str):
    """Make moto's server check signatures and IAM policies, as AWS does, inside the block.

    moto accepts any credentials unless its ``INITIAL_NO_AUTH_ACTION_COUNT`` is reached; the
    server's own switch (``POST /moto-api/reset-auth`` with that count) sets it to 0 and back, for
    a server in this process or another. Create buckets and users before entering: they are
    unauthenticated calls.
    """
    previous = _reset_auth(endpoint_url, "0")
    try:
        yield
    finally:
        _reset_auth(endpoint_url, previous)


def _reset_auth(endpoint_url: str, count: str) -> str:
    url = f"{endpoint_url}/moto-api/reset-auth"  # the local moto server, never a user's URL
    # Not urllib's default form type: the server would parse the count away as form data.
    headers = {"Content-Type": "text/plain"}
    request = urllib.request.Request(url, count.encode(), headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
