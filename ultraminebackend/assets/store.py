"""Putting one request's assets somewhere: the configured CDNs in order, then our storage.

A CDN that fails once is skipped for the rest of the request; see docs/writes-and-assets.md.
"""

import logging
from contextlib import closing
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile

from ultraminebackend.exceptions import ServiceUnavailable
from ultraminebackend.files.processing.intake import IntakeImage, intake_image
from ultraminebackend.files.processing.video import VideoIntake
from ultraminebackend.files.storage.errors import STORAGE_ERRORS, StorageUnavailable
from ultraminebackend.files.storage.undo import on_undo

from .errors import CdnError
from .models import Storage, StoredAsset
from .providers import CdnProvider, Uploaded, configured_providers, destroyer, provider_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Use:
    """Where one kind of asset goes on a CDN (our storage's folder is the file field's)."""

    folder: str
    resource_type: str = "image"  # image, video, or auto (the CDN decides from the bytes)
    convert_to: str | None = None  # the format a CDN stores it in; None keeps the original's


class SourceGone(Exception):
    """The asset to copy is no longer where its row says it is."""


class AssetStore:
    """Stores the assets of one request (the fallback rule: docs/writes-and-assets.md)."""

    def __init__(self) -> None:
        self.cdns: list[CdnProvider] = configured_providers()

    def store_image(self, asset: StoredAsset, image: IntakeImage | File, *, use: Use) -> None:
        """An image: through the intake already (its normalised bytes), or raw bytes a CDN may
        take as they are; our storage always gets it through the intake."""
        try:
            uploaded = self._to_cdn(asset, image, use)
        except BaseException:
            image.close()
            raise
        if uploaded:
            image.close()
            return
        if not isinstance(image, IntakeImage):
            image = intake_image(image, thumbnail=True)
        _store_intake_image(asset, image)

    def store_video(self, asset: StoredAsset, video: VideoIntake, *, use: Use) -> None:
        """A video as uploaded, streamed from its temporary file in chunks either way."""
        if self._to_cdn(asset, video.file, use):
            asset.duration = asset.duration if asset.duration is not None else video.duration
            return
        video.file.seek(0)
        asset.stored_file.save(f"video{video.extension}", video.file, save=False)
        asset.storage = Storage.MEDIA
        asset.bytes = video.size
        asset.format = video.extension.lstrip(".")
        asset.duration = video.duration

    def copy(self, asset: StoredAsset, source: StoredAsset, *, use: Use) -> None:
        """Copy another row's image, so the copy never depends on where the source lives.

        CDN to CDN by URL (the CDN fetches it itself), our storage to a CDN by streaming the
        stored file, and onto our storage through the image intake. Raises ``SourceGone``.
        """
        source_cdn = provider_of(source.storage)
        for cdn in list(self.cdns):
            try:
                if source_cdn is not None:
                    uploaded = cdn.upload_url(
                        source.secure_url, folder=use.folder, resource_type=use.resource_type
                    )
                else:
                    with closing(_open(source)) as stored:
                        uploaded = cdn.upload(
                            stored, folder=use.folder, resource_type=use.resource_type
                        )
            except CdnError as exc:
                self._give_up(cdn, exc)
                continue
            _record_upload(asset, cdn, uploaded)
            return
        if source_cdn is not None:
            original = ContentFile(_fetch(source_cdn, source), name="copy")
        else:
            original = _open(source)
        try:
            intake = intake_image(original, thumbnail=True)
        except ValidationError:
            raise SourceGone() from None
        finally:
            original.close()
        _store_intake_image(asset, intake)

    def _to_cdn(self, asset: StoredAsset, file: File, use: Use) -> bool:
        for cdn in list(self.cdns):
            try:
                uploaded = cdn.upload(
                    file,
                    folder=use.folder,
                    resource_type=use.resource_type,
                    convert_to=use.convert_to,
                )
            except CdnError as exc:
                self._give_up(cdn, exc)
                file.seek(0)
                continue
            _record_upload(asset, cdn, uploaded)
            return True
        return False

    def _give_up(self, cdn: CdnProvider, exc: CdnError) -> None:
        logger.warning(
            "%s failed (%s, transient=%s); this request continues without it",
            cdn.name,
            exc.code,
            exc.transient,
        )
        self.cdns.remove(cdn)


def _record_upload(asset: StoredAsset, cdn: CdnProvider, uploaded: Uploaded) -> None:
    on_undo(destroyer(cdn.name, uploaded, resource_type=uploaded.resource_type))
    asset.storage = cdn.name
    asset.public_id, asset.asset_id = uploaded.public_id, uploaded.asset_id
    asset.secure_url = uploaded.secure_url
    asset.width, asset.height = uploaded.width, uploaded.height
    asset.bytes, asset.format = uploaded.bytes, uploaded.format
    if uploaded.duration is not None:
        asset.duration = uploaded.duration


def _store_intake_image(asset: StoredAsset, intake: IntakeImage) -> None:
    """Onto our storage now, the row later: the field stores the thumbnail beside it, closes
    the file and registers both with ``undo_on_failure``."""
    asset.stored_file.save(intake.name, intake, save=False)
    asset.storage = Storage.MEDIA
    asset.width, asset.height = intake.width, intake.height
    asset.bytes = intake.size
    asset.format = intake.extension.lstrip(".")


def _open(source: StoredAsset) -> File:
    file = source.stored_file
    storage, name = file.storage, file.name
    try:
        if not name or not storage.exists(name):
            raise SourceGone()
        return storage.open(name, "rb")
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc


def _fetch(cdn: CdnProvider, source: StoredAsset) -> bytes:
    try:
        return cdn.fetch(source.secure_url, max_bytes=settings.IMAGE_MAX_BYTES)
    except CdnError as exc:
        if exc.transient:
            raise ServiceUnavailable(
                f"The image could not be fetched from {cdn.name.title()}; nothing was saved. "
                "Try again shortly."
            ) from exc
        raise SourceGone() from exc
