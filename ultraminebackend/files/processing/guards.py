"""Which images are let in: the one decoder a sniffed format may reach, and the caps checked from
its header before a single pixel is decoded (uploads and stored files alike)."""

import io
import struct
from typing import IO, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import GifImagePlugin, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin
from pillow_heif import HeifImageFile

from .sniff import read_head, sniff_format, unsupported_format


class Codec(NamedTuple):
    label: str  # how people name the format in messages
    opener: type[ImageFile.ImageFile]  # the only Pillow plugin allowed to parse it
    save_as: str  # the Pillow format the normalised image is written in
    animated: bool  # whether frames after the first are kept


# Detected format → how it is parsed and written. Opening with the one plugin the bytes announce
# (instead of ``Image.open``, which tries ~40 parsers) keeps rarely-audited decoders such as
# MPO, TIFF or EPS unreachable from uploads. HEIC is written as JPEG: most browsers cannot show it.
CODECS = {
    "JPEG": Codec("JPEG", JpegImagePlugin.JpegImageFile, "JPEG", animated=False),
    "PNG": Codec("PNG", PngImagePlugin.PngImageFile, "PNG", animated=True),
    "WEBP": Codec("WebP", WebPImagePlugin.WebPImageFile, "WEBP", animated=True),
    "GIF": Codec("GIF", GifImagePlugin.GifImageFile, "GIF", animated=True),
    "HEIC": Codec("HEIC", HeifImageFile, "JPEG", animated=False),
}
ALLOWED_LABELS = ", ".join(codec.label for codec in CODECS.values())

# Animations beyond this many frames are refused even when tiny: each frame costs a Python-level
# decode and encode round, so a 15 MB file of 1x1 frames would otherwise hold a worker for minutes.
MAX_FRAMES = 500


def open_image(fp: IO[bytes], *, max_pixels: int) -> tuple[str, ImageFile.ImageFile]:
    """Parse the header of an allowed image without decoding it, and enforce the caps.

    Returns the detected format and the lazily loaded image. ``variants`` opens stored files
    through it, so they pass the same guards as uploads.
    """
    name, codec = codec_for(fp)
    return name, open_header(fp, name, codec, max_pixels=max_pixels)[0]


def codec_for(fp: IO[bytes]) -> tuple[str, Codec]:
    """The sniffed format of an open file and its codec; ``image_unsupported_format`` if none."""
    name = sniff_format(read_head(fp))
    codec = CODECS.get(name)
    if codec is None:
        raise unsupported_format("image", name, ALLOWED_LABELS)
    return name, codec


def open_header(
    fp: IO[bytes], name: str, codec: Codec, *, max_pixels: int
) -> tuple[ImageFile.ImageFile, int]:
    """The image (header read) and its frame count; the caps are enforced before any decode."""
    if name == "GIF":
        # A GIF frame may reach outside the declared screen and Pillow then grows the canvas
        # while parsing; measure the real canvas from the block structure before Pillow sees it.
        width, height, frames = _scan_gif(fp)
        check_dimensions(width, height, frames, max_pixels)
        fp.seek(0)
    image = codec.opener(fp)
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if codec.animated else 1
    # Decompression bombs: a few KB of PNG can claim 10 gigapixels. The header says how many
    # pixels decoding would allocate; compare before ``load()`` ever runs.
    check_dimensions(width, height, frames, max_pixels)
    return image, frames


def check_dimensions(width: int, height: int, frames: int, max_pixels: int) -> None:
    """Refuse images below 1x1, over the pixel cap, of an extreme shape, or with too many frames."""
    if width < 1 or height < 1:
        raise ValidationError(
            "The image is %(width)sx%(height)s pixels; it must be at least 1x1.",
            code="image_too_small",
            params={"width": width, "height": height},
        )
    if width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)
    _check_shape(width, height)
    if frames > MAX_FRAMES or frames * width * height > max_pixels:
        raise ValidationError(
            "The animation has %(frames)s frames of %(width)sx%(height)s pixels; at most "
            "%(max_frames)s frames and %(limit)s pixels in all frames together are accepted.",
            code="image_too_many_frames",
            params={
                "frames": frames,
                "width": width,
                "height": height,
                "max_frames": MAX_FRAMES,
                "limit": max_pixels,
            },
        )


def _check_shape(width: int, height: int) -> None:
    """Refuse extreme shapes from the header: a long thin strip within the pixel cap.

    Decoders pay a fixed cost per row (and per strip of rows in libvips), so a tiny PNG of one
    very long column passed the pixel cap and held the decode slot for long (bench/README.md).
    Capping the longest side, and the ratio of the sides, bounds the rows any image can have.
    """
    longest, shortest = max(width, height), min(width, height)
    params = {"width": width, "height": height}
    if longest > settings.IMAGE_MAX_SIDE:
        raise ValidationError(
            "The image is %(width)sx%(height)s pixels; its longest side may be at most "
            "%(limit)s pixels.",
            code="image_too_long",
            params={**params, "limit": settings.IMAGE_MAX_SIDE},
        )
    if longest > shortest * settings.IMAGE_MAX_ASPECT_RATIO:
        raise ValidationError(
            "The image is %(width)sx%(height)s pixels; its longer side may be at most "
            "%(limit)s times its shorter side.",
            code="image_aspect_ratio",
            params={**params, "limit": settings.IMAGE_MAX_ASPECT_RATIO},
        )


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError:
    return ValidationError(
        "The image is %(width)sx%(height)s pixels; the limit is %(limit)s pixels.",
        code="image_too_many_pixels",
        params={"width": width, "height": height, "limit": max_pixels},
    )


def _scan_gif(fp: IO[bytes]) -> tuple[int, int, int]:
    """Canvas size (screen grown to every frame's extent) and frame count, without decoding.

    Walks the block structure, skipping image data by its sub-block lengths. A truncated or
    malformed file simply ends the walk; the decoder reports it later.
    """
    fp.seek(6)
    screen = fp.read(7)
    if len(screen) < 7:
        return 0, 0, 0
    width, height, flags = struct.unpack("<HHB", screen[:5])
    _skip_colour_table(fp, flags)
    frames = 0
    while block := fp.read(1):
        if block == b"!":  # extension: label, then sub-blocks
            fp.read(1)
            _skip_sub_blocks(fp)
        elif block == b",":  # image descriptor
            descriptor = fp.read(9)
            if len(descriptor) < 9:
                break
            left, top, frame_width, frame_height, flags = struct.unpack("<HHHHB", descriptor)
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            frames += 1
            _skip_colour_table(fp, flags)
            fp.read(1)  # LZW minimum code size
            _skip_sub_blocks(fp)
        else:  # trailer (";") or garbage
            break
    return width, height, max(frames, 1)


def _skip_colour_table(fp: IO[bytes], flags: int) -> None:
    if flags & 0x80:
        fp.seek(3 << ((flags & 0x07) + 1), io.SEEK_CUR)


def _skip_sub_blocks(fp: IO[bytes]) -> None:
    while (length := fp.read(1)) and length[0]:
        fp.seek(length[0], io.SEEK_CUR)
