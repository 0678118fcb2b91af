"""The CDNs an asset can live on: one small interface, one subclass per CDN.

Adding a CDN: docs/writes-and-assets.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import IO

from ultraminebackend.integrations import cloudinary

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
        """Copy what a delivery URL serves: the CDN fetches it, no bytes pass through us."""
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

    def destroy(self, *, public_id: str, resource_type: str) -> None:
        """Delete an asset; one already gone is not an error."""
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

    def destroy(self, *, public_id, resource_type):
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


#: Every CDN, in the order the store tries them.
PROVIDERS: dict[str, CdnProvider] = {Storage.CLOUDINARY: CloudinaryProvider()}


def provider_of(storage: str) -> CdnProvider | None:
    """The CDN a row's ``storage`` names; None for our own storage (or none yet)."""
    return PROVIDERS.get(storage)


def configured_providers() -> list[CdnProvider]:
    return [provider for provider in PROVIDERS.values() if provider.is_configured()]


def destroy_quietly(storage: str, *, public_id: str, resource_type: str) -> None:
    """Delete a CDN asset, logging instead of raising: the answer is decided already."""
    provider = provider_of(storage)
    if provider is None or not public_id:
        return
    try:
        provider.destroy(public_id=public_id, resource_type=resource_type)
    except (CdnError, ValueError) as exc:
        logger.warning("orphan %s asset %s (%s) left: %s", storage, public_id, resource_type, exc)
