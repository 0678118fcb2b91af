"""Thumbnails: a small WebP beside every public image (``naming.thumbnail_name``), made from the
pixels intake decoded, or later from the stored file through intake's guards."""

import io
import os
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps

from .encoding import THUMBNAIL_PILLOW_OPTIONS
from .guards import open_image

# Shrink by whole factors (box filter, cheap) down to this multiple of the target, then finish
# with Lanczos: Pillow's own ``reducing_gap`` trade-off, indistinguishable from a full Lanczos.
REDUCING_GAP = 2.0

# Modes that resize well as they are; palette and 1-bit images would be resized with NEAREST.
_RESIZABLE_MODES = {"L", "RGB", "RGBA"}


def thumbnail_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Scale ``size`` so its longest side is ``max_side``, keeping the aspect; never enlarge."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail_bytes(image: Image.Image, *, max_side: int | None = None) -> bytes:
    """WebP thumbnail of an already decoded (and oriented) image; transparency is kept."""
    max_side = settings.IMAGE_THUMBNAIL_SIZE if max_side is None else max_side
    if image.mode not in _RESIZABLE_MODES:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    size = thumbnail_size(image.size, max_side)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", **THUMBNAIL_PILLOW_OPTIONS)
    return buffer.getvalue()


def make_thumbnail(
    source: str | os.PathLike | IO[bytes] | Image.Image, *, max_side: int | None = None
) -> bytes:
    """WebP thumbnail (longest side ``settings.IMAGE_THUMBNAIL_SIZE`` unless given) of an image.

    ``source`` is a path, a binary file object or a decoded ``PIL.Image``. Files are opened with
    intake's guards (format sniffed, pixel cap checked before decoding) and decoded once, JPEGs
    already shrunk by the decoder. Raises ``ValidationError`` for files intake would refuse.
    """
    if isinstance(source, Image.Image):
        return thumbnail_bytes(source, max_side=max_side)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            return _thumbnail_of_file(file, max_side)
    return _thumbnail_of_file(source, max_side)


def _thumbnail_of_file(file: IO[bytes], max_side: int | None) -> bytes:
    max_side = settings.IMAGE_THUMBNAIL_SIZE if max_side is None else max_side
    _, image = open_image(file, max_pixels=settings.IMAGE_MAX_PIXELS)
    # JPEG decodes at 1/2, 1/4 or 1/8 scale in the DCT for almost nothing; ask for the smallest
    # scale that still leaves REDUCING_GAP x the target, so Lanczos has real pixels to work with.
    # Other formats ignore draft(). The target is measured before orientation: the longest side
    # stays the longest side whichever way the image turns.
    width, height = thumbnail_size(image.size, max_side)
    image.draft(None, (int(width * REDUCING_GAP), int(height * REDUCING_GAP)))
    image.load()
    # Intake's output is already upright; anything else may still carry an EXIF orientation.
    image = ImageOps.exif_transpose(image)
    return thumbnail_bytes(image, max_side=max_side)
