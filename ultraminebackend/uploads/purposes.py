"""What each upload purpose accepts: its file field's intake, content types and byte cap.
The declared type only picks the cap and the S3 condition; the bytes decide, at attach time."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from rest_framework import serializers

from ultraminebackend.files.storage.fields import ImageUploadField, MediaUploadField

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif")
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
CONTENT_TYPES = IMAGE_TYPES + VIDEO_TYPES


def _image_cap(content_type: str) -> int:
    return settings.IMAGE_MAX_BYTES


def _media_cap(content_type: str) -> int:
    return settings.VIDEO_MAX_BYTES if content_type in VIDEO_TYPES else settings.IMAGE_MAX_BYTES


@dataclass(frozen=True)
class Purpose:
    """One file field that takes uploads: how its intake is built and what it allows."""

    content_types: tuple[str, ...]
    max_bytes: Callable[[str], int]  # content type -> byte cap (read from settings at call time)
    intake_field: Callable[[], serializers.Field]  # the file field whose intake the upload runs
    staff_only: bool = False


def _image(private: bool = False) -> Callable[[], serializers.Field]:
    return lambda: ImageUploadField(private=private)


_IMAGE = Purpose(IMAGE_TYPES, _image_cap, _image())
_PRIVATE_IMAGE = Purpose(IMAGE_TYPES, _image_cap, _image(private=True))
_STAFF_IMAGE = Purpose(IMAGE_TYPES, _image_cap, _image(), staff_only=True)

PURPOSES: dict[str, Purpose] = {
    "orders.image": _IMAGE,
    "orders.txid_proof": _PRIVATE_IMAGE,
    "deposits.proof": _PRIVATE_IMAGE,
    "products.image": _STAFF_IMAGE,
    "products.gallery": _STAFF_IMAGE,
    "posts.media": Purpose(CONTENT_TYPES, _media_cap, MediaUploadField),
    "blogs.banner": _IMAGE,
    "blogs.image": _IMAGE,
    "ai.reference_image": _PRIVATE_IMAGE,
}
