"""The CDNs an asset can live on: one small interface, one subclass per CDN.

Adding a CDN: docs/writes-and-assets.md.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import IO

from django.conf import settings

from ultraminebackend.files.processing.intake import ALLOWED_FORMATS
from ultraminebackend.files.processing.sniff import SNIFF_BYTES, sniff_format, sniff_video
from ultraminebackend.files.processing.video import VIDEO_FORMATS
from ultraminebackend.integrations import cloudinary, imagekit

from .errors import CdnError
from .models import Delivery, Storage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uploaded:
    """What a CDN's upload answer said about the asset it now holds."""

    public_id: str
    asset_id: str
    secure_url: str
    resource_type: str  # image or video: what a delete of it needs
    width: int | None
    height: int | None
    bytes: int
    format: str
    duration: float | None = None


class CdnProvider:
    """One CDN. Methods raise ``CdnError``; none of them opens a database transaction."""

    name: str  # the ``Storage`` value recorded on rows

    def is_configured(self) -> bool:
        raise NotImplementedError

    def upload(
        self, file: IO[bytes], *, folder: str, resource_type: str, convert_to: str | None = None
    ) -> Uploaded:
        """Upload a file object from its start (streamed; ``convert_to`` a format, e.g. jpg)."""
        raise NotImplementedError

    def upload_url(self, url: str, *, folder: str, resource_type: str) -> Uploaded:
        """Copy what a delivery URL serves (the CDN fetches it itself where its API can)."""
        raise NotImplementedError

    def fetch(self, url: str, *, max_bytes: int) -> bytes:
        """The bytes one of this CDN's delivery URLs serves (a URL from its own answer)."""
        raise NotImplementedError

    def url(self, secure_url: str, delivery: Delivery) -> str:
        """The delivery URL of an asset, optimised as ``delivery`` says."""
        raise NotImplementedError

    def thumbnail_url(self, secure_url: str) -> str:
        """A WebP no larger than ``IMAGE_THUMBNAIL_SIZE`` on either side, never upscaled."""
        raise NotImplementedError

    def destroy(self, *, public_id: str, asset_id: str, resource_type: str) -> None:
        """Delete an asset (by whichever id the CDN wants); one already gone is not an error."""
        raise NotImplementedError


class CloudinaryProvider(CdnProvider):
    name = Storage.CLOUDINARY
    # q_auto optimises on delivery; the stored original is never re-encoded.
    DELIVERY = {Delivery.AUTO: "q_auto", Delivery.BEST: "q_auto:best"}

    def is_configured(self) -> bool:
        return cloudinary.is_configured()

    def upload(self, file, *, folder, resource_type, convert_to=None):
        if convert_to:
            file.seek(0)
            asset = cloudinary.upload_image(
                file_or_bytes_or_url=file.read(),
                folder=folder,
                resource_type=resource_type,
                format=convert_to,
                quality=None,  # an upload-time quality would re-encode the original for good
            )
        else:
            asset = cloudinary.upload_file(file=file, folder=folder, resource_type=resource_type)
        return _uploaded(asset)

    def upload_url(self, url, *, folder, resource_type):
        asset = cloudinary.upload_image(
            file_or_bytes_or_url=url,
            folder=folder,
            resource_type=resource_type,
            format=None,
            quality=None,
        )
        return _uploaded(asset)

    def fetch(self, url, *, max_bytes):
        return cloudinary.fetch(url, max_bytes=max_bytes)

    def url(self, secure_url, delivery):
        return cloudinary.with_transformation(secure_url, self.DELIVERY[delivery])

    def thumbnail_url(self, secure_url):
        return cloudinary.with_transformation(secure_url, cloudinary.thumbnail_transformation())

    def destroy(self, *, public_id, asset_id, resource_type):
        cloudinary.destroy(public_id=public_id, resource_type=resource_type)


def _uploaded(asset: cloudinary.CloudinaryAsset) -> Uploaded:
    return Uploaded(
        public_id=asset.public_id,
        asset_id=asset.asset_id or "",
        secure_url=asset.secure_url,
        resource_type=asset.resource_type,
        width=asset.width,
        height=asset.height,
        bytes=asset.bytes,
        format=asset.format or "",
        duration=asset.duration,
    )


class ImageKitProvider(CdnProvider):
    """Files are ``<folder>/<random>.<ext>``, delivered under IMAGEKIT_URL_ENDPOINT and deleted
    by ``fileId`` (kept as ``asset_id``); ImageKit tells images from videos by the bytes."""

    name = Storage.IMAGEKIT
    # Untransformed, ImageKit picks the format per browser at its default quality (Cloudinary's
    # q_auto); it has no automatic "best" level (q_auto:best), so AI images ask a fixed quality.
    BEST_QUALITY = 90
    DELIVERY: dict[Delivery, dict[str, object]] = {
        Delivery.AUTO: {},
        Delivery.BEST: {"quality": BEST_QUALITY},
    }

    def is_configured(self) -> bool:
        return imagekit.is_configured()

    def upload(self, file, *, folder, resource_type, convert_to=None):
        extension = convert_to or _sniffed_extension(file)
        stored = imagekit.upload(
            file=file,
            file_name=_random_name(extension),
            folder=folder,
            # Stored converted, as Cloudinary's ``format``; no quality: ImageKit's default.
            pre=f"f-{convert_to}" if convert_to else None,
        )
        return _uploaded_from_imagekit(stored, extension)

    def upload_url(self, url, *, folder, resource_type):
        # The SDK uploads no URL (its README: download first); a bounded copy passes through us.
        data = imagekit.fetch(url, max_bytes=settings.IMAGE_MAX_BYTES, service="The source CDN")
        with io.BytesIO(data) as file:
            return self.upload(file, folder=folder, resource_type=resource_type)

    def fetch(self, url, *, max_bytes):
        return imagekit.fetch(url, max_bytes=max_bytes)

    def url(self, secure_url, delivery):
        transformation = self.DELIVERY[delivery]
        if not transformation:
            return secure_url
        return imagekit.with_transformation(secure_url, **transformation)

    def thumbnail_url(self, secure_url):
        return imagekit.with_transformation(secure_url, **imagekit.thumbnail_transformation())

    def destroy(self, *, public_id, asset_id, resource_type):
        if not asset_id:
            raise ValueError(f"ImageKit deletes by fileId; {public_id} has none.")
        imagekit.destroy(file_id=asset_id)


# What a file's first bytes announce → the extension ImageKit's file name carries.
_KNOWN_EXTENSIONS = {"jpg", "png", "webp", "gif", "mp4", "mov", "webm"}


def _sniffed_extension(file: IO[bytes]) -> str:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    video = sniff_video(head)
    if video in VIDEO_FORMATS:
        return VIDEO_FORMATS[video].extension.lstrip(".")
    image = sniff_format(head)
    return ALLOWED_FORMATS[image].extension.lstrip(".") if image in ALLOWED_FORMATS else ""


def _extension_of(path: str) -> str:
    extension = path.rpartition(".")[2].lower().replace("jpeg", "jpg")
    return extension if extension in _KNOWN_EXTENSIONS else ""


def _random_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}.{extension}" if extension else secrets.token_hex(16)


def _uploaded_from_imagekit(stored: imagekit.ImageKitFile, extension: str) -> Uploaded:
    return Uploaded(
        public_id=stored.file_path.lstrip("/"),
        asset_id=stored.file_id,
        secure_url=imagekit.delivery_url(stored.file_path),
        resource_type="image" if stored.file_type == "image" else "video",
        width=stored.width,
        height=stored.height,
        bytes=stored.size,
        format=extension or _extension_of(stored.name),
        duration=None,  # ImageKit answers whole seconds: the video intake's reading is kept
    )


#: Every CDN by its ``Storage`` value (the store tries them in ``MEDIA_CDN_ORDER``).
PROVIDERS: dict[str, CdnProvider] = {
    Storage.CLOUDINARY: CloudinaryProvider(),
    Storage.IMAGEKIT: ImageKitProvider(),
}


def provider_of(storage: str) -> CdnProvider | None:
    """The CDN a row's ``storage`` names; None for our own storage (or none yet)."""
    return PROVIDERS.get(storage)


def configured_providers() -> list[CdnProvider]:
    """The configured CDNs in ``MEDIA_CDN_ORDER`` (the check ``assets.E001`` vets the names)."""
    chosen = (PROVIDERS.get(name) for name in settings.MEDIA_CDN_ORDER)
    return [provider for provider in chosen if provider is not None and provider.is_configured()]


def destroy_quietly(storage: str, *, public_id: str, asset_id: str, resource_type: str) -> None:
    """Delete a CDN asset, logging instead of raising: the answer is decided already."""
    provider = provider_of(storage)
    if provider is None or not public_id:
        return
    try:
        provider.destroy(public_id=public_id, asset_id=asset_id, resource_type=resource_type)
    except (CdnError, ValueError) as exc:
        logger.warning("orphan %s asset %s (%s) left: %s", storage, public_id, resource_type, exc)


def destroyer(storage: str, asset, *, resource_type: str) -> Callable[[], None]:
    """A later ``destroy_quietly`` of what ``asset`` (a row or an upload answer) names now."""
    return partial(
        destroy_quietly,
        storage,
        public_id=asset.public_id,
        asset_id=asset.asset_id,
        resource_type=resource_type,
    )
