"""Test helpers shared by every app: in-memory image files and an S3 (moto) storage setup.

Images are drawn by Pillow on demand, so the repository carries no binary fixtures.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from .config import S3Config, build_storages

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
