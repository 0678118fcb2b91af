"""Where content images and videos are stored, and the URLs they are answered with.

``AssetStore`` places one request's assets: on Cloudinary when ``CLOUDINARY_URL`` is configured,
otherwise on the project's public storage. Fallback is per request and sticky: the first
Cloudinary failure sends that file, and every later file of the same request, to our storage.
A failing or hanging CDN then costs one timeout per request instead of one per file, and what was
already uploaded stays where it is (each row records its own ``storage``).

It never opens a transaction and never deletes: services run it inside ``undo_on_failure()``,
which undoes its uploads and stored files if the request fails later.

AI generations are copied, never referenced: from Cloudinary to Cloudinary by URL (Cloudinary
fetches it itself), from our storage to Cloudinary by streaming the stored file, and onto our
storage through the image intake (a fresh name, thumbnail and dimensions), so a permanent record
never depends on the temporary ``ai-generated-images/`` folder.
"""

import logging
from contextlib import closing

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.http import HttpRequest

from ai_agent.models import Generation
from ultraminebackend.exceptions import ServiceUnavailable
from ultraminebackend.files.errors import STORAGE_ERRORS, StorageUnavailable
from ultraminebackend.files.intake import IntakeResult, intake_image
from ultraminebackend.files.links import file_url, thumbnail_url
from ultraminebackend.files.video import VideoIntake
from ultraminebackend.integrations import cloudinary

from .models import StoredAsset

logger = logging.getLogger(__name__)

# Delivery-time optimisation of CDN assets (images and videos); the stored original is untouched.
CLOUDINARY_DELIVERY = "q_auto"


class AssetStore:
    """Stores the assets of one request (see the module docstring for the fallback rule)."""

    def __init__(self) -> None:
        self.use_cloudinary = cloudinary.is_configured()

    # -- uploads --------------------------------------------------------------------------------
    def store_image(
        self, asset: StoredAsset, intake: IntakeResult, *, folder: str, resource_type: str
    ) -> None:
        """An image that went through the intake: its normalised bytes, not the client's."""
        try:
            cdn = self._to_cloudinary(intake.file, folder=folder, resource_type=resource_type)
        except BaseException:
            intake.file.close()
            raise
        if cdn is not None:
            intake.file.close()
            _fill_from_cdn(asset, cdn)
            return
        _store_intake_result(asset, intake)

    def store_video(
        self, asset: StoredAsset, video: VideoIntake, *, folder: str, resource_type: str
    ) -> None:
        """A video as uploaded, streamed from the temporary file in chunks either way."""
        cdn = self._to_cloudinary(video.file, folder=folder, resource_type=resource_type)
        if cdn is not None:
            _fill_from_cdn(asset, cdn)
            asset.duration = cdn.duration if cdn.duration is not None else video.duration
            return
        video.file.seek(0)
        _save(asset, f"video{video.extension}", video.file)
        asset.storage = StoredAsset.Storage.MEDIA
        asset.bytes = video.size
        asset.format = video.extension.lstrip(".")
        asset.duration = video.duration

    def copy_generation(
        self,
        asset: StoredAsset,
        generation: Generation,
        *,
        folder: str,
        resource_type: str,
        field: str,
    ) -> None:
        """Copy a generation's image into ``folder`` (errors name ``field``)."""
        asset.generation = generation
        if self.use_cloudinary:
            cdn = self._copy_to_cloudinary(
                generation, folder=folder, resource_type=resource_type, field=field
            )
            if cdn is not None:
                _fill_from_cdn(asset, cdn)
                return
        if generation.storage == Generation.Storage.CLOUDINARY:
            source = ContentFile(_fetch_generation(generation, field), name="generation")
        else:
            source = _open_generation(generation, field)
        try:
            intake = intake_image(source, thumbnail=True)
        except ValidationError:
            raise _gone(generation, field) from None
        finally:
            source.close()
        _store_intake_result(asset, intake)

    # -- Cloudinary -----------------------------------------------------------------------------
    def _to_cloudinary(self, file: File, *, folder: str, resource_type: str):
        if not self.use_cloudinary:
            return None
        try:
            return cloudinary.upload_file(file=file, folder=folder, resource_type=resource_type)
        except cloudinary.CloudinaryError as exc:
            self._give_up_on_cloudinary(exc)
            file.seek(0)
            return None

    def _copy_to_cloudinary(
        self, generation: Generation, *, folder: str, resource_type: str, field: str
    ):
        try:
            if generation.storage == Generation.Storage.CLOUDINARY:
                # Cloudinary fetches its own asset: no bytes pass through this server.
                return cloudinary.upload_image(
                    file_or_bytes_or_url=generation.cloudinary_secure_url,
                    folder=folder,
                    resource_type=resource_type,
                    format=None,
                    quality=None,
                )
            with closing(_open_generation(generation, field)) as stored:
                return cloudinary.upload_file(
                    file=stored, folder=folder, resource_type=resource_type
                )
        except cloudinary.CloudinaryError as exc:
            self._give_up_on_cloudinary(exc)
            return None

    def _give_up_on_cloudinary(self, exc: cloudinary.CloudinaryError) -> None:
        logger.warning(
            "Cloudinary failed (%s, transient=%s); this request continues on our storage",
            exc.code,
            exc.transient,
        )
        self.use_cloudinary = False


def _fill_from_cdn(asset: StoredAsset, cdn: cloudinary.CloudinaryAsset) -> None:
    asset.storage = StoredAsset.Storage.CLOUDINARY
    asset.public_id = cdn.public_id
    asset.asset_id = cdn.asset_id or ""
    asset.secure_url = cdn.secure_url
    asset.width, asset.height = cdn.width, cdn.height
    asset.bytes, asset.format = cdn.bytes, cdn.format or ""


def _store_intake_result(asset: StoredAsset, intake: IntakeResult) -> None:
    intake.file.intake = intake  # the field stores the thumbnail beside it, then closes the file
    _save(asset, f"image{intake.extension}", intake.file)
    asset.storage = StoredAsset.Storage.MEDIA
    asset.width, asset.height = intake.width, intake.height
    asset.bytes = intake.size
    asset.format = intake.extension.lstrip(".")


def _save(asset: StoredAsset, name: str, content: File) -> None:
    """Store on our storage now, the row comes later (``undo_on_failure`` tracks it)."""
    asset.file.save(name, content, save=False)


# -- reading a generation's image ---------------------------------------------------------------


def _gone(generation: Generation, field: str) -> ValidationError:
    return ValidationError(
        {
            field: ValidationError(
                "The image of generation %(id)s is no longer available.",
                code="generation_image_missing",
                params={"id": generation.pk},
            )
        }
    )


def _open_generation(generation: Generation, field: str) -> File:
    storage, name = generation.image.storage, generation.image.name
    try:
        if not name or not storage.exists(name):
            raise _gone(generation, field)
        return storage.open(name, "rb")
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc


def _fetch_generation(generation: Generation, field: str) -> bytes:
    try:
        return cloudinary.fetch(
            generation.cloudinary_secure_url, max_bytes=settings.IMAGE_MAX_BYTES
        )
    except cloudinary.CloudinaryError as exc:
        if exc.transient:
            raise ServiceUnavailable(
                "The generated image could not be fetched from Cloudinary; nothing was saved. "
                "Try again shortly."
            ) from exc
        raise _gone(generation, field) from exc


# -- answering ---------------------------------------------------------------------------------


def asset_name(asset: StoredAsset | None) -> str | None:
    """The stored name on our storage, or the Cloudinary ``public_id``; None without an asset."""
    if asset is None:
        return None
    if asset.storage == StoredAsset.Storage.CLOUDINARY:
        return asset.public_id
    return asset.file.name or None


def asset_url(asset: StoredAsset | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL a browser loads directly (``q_auto`` delivery for CDN assets)."""
    if asset is None:
        return None
    if asset.storage == StoredAsset.Storage.CLOUDINARY:
        return cloudinary.with_transformation(asset.secure_url, CLOUDINARY_DELIVERY)
    return file_url(asset.file, request)


def asset_thumbnail_url(
    asset: StoredAsset | None, request: HttpRequest | None = None
) -> str | None:
    """A small WebP of an image (Cloudinary transformation or our ``.thumb.webp``); videos: None."""
    if asset is None or not asset.is_image:
        return None
    if asset.storage == StoredAsset.Storage.CLOUDINARY:
        return cloudinary.with_transformation(
            asset.secure_url, cloudinary.thumbnail_transformation()
        )
    return thumbnail_url(asset.file, request)
