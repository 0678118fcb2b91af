"""Image intake: sniff, check the caps, orient, convert to sRGB, strip metadata and re-encode, so
what is stored is a fresh file whose extension tells the truth (pipeline: docs/files.md)."""

import io
import struct
import tempfile
import threading
import time
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from PIL import Image, ImageCms
from rest_framework import status
from rest_framework.exceptions import APIException

from . import encoding, streaming
from .fingerprint import SAMPLE_MAX_SIDE, perceptual_hash
from .guards import CODECS, Codec, check_dimensions, codec_for, open_header
from .sniff import StoredAs, check_upload_size
from .variants import thumbnail_bytes

# Written format → extension and content type of the stored file.
OUTPUTS = {
    "JPEG": StoredAs(".jpg", "image/jpeg"),
    "PNG": StoredAs(".png", "image/png"),
    "WEBP": StoredAs(".webp", "image/webp"),
    "GIF": StoredAs(".gif", "image/gif"),
}

# Detected format → what is stored (HEIC arrives as HEIC and is stored as JPEG).
ALLOWED_FORMATS = {name: OUTPUTS[codec.save_as] for name, codec in CODECS.items()}

# Modes each written format takes as they are; anything else becomes 8-bit RGB or RGBA.
_WRITABLE_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
    "GIF": {"L", "P", "RGB", "RGBA"},
}

# 16-bit greyscale: Pillow's convert("L") clips at 255, so keep the high byte instead, as Pillow
# itself does when it reads 16-bit RGB(A).
_WIDE_GREY_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}

# EXIF orientation → the transpose that shows the image upright; the table
# ``ImageOps.exif_transpose`` uses, looked up once so every frame of an animation turns alike.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112

# The only ``info`` entries that survive re-encoding: what rendering needs. Everything else
# (exif, xmp, comment, icc_profile, text chunks, dpi, …) is dropped, because Pillow's encoders
# copy some of it (a JPEG comment, PNG transparency) from ``info`` when saving.
_RENDERING_INFO = {"transparency"}

# Re-encoded output stays in memory up to this size and spills to a temporary file beyond it.
SPOOL_MAX_BYTES = 4 * 1024 * 1024

# What Pillow and pillow-heif raise on hostile or broken input; all of it means "not an image".
_DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,  # Pillow's "not a valid <format> file"
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    RuntimeError,  # pillow-heif: libheif errors
    struct.error,
    ImageCms.PyCMSError,
    streaming.DecodeError,  # libvips, for large still images
)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class IntakeBusy(APIException):
    """Every decode slot stayed taken for ``IMAGE_INTAKE_WAIT_S``: try again shortly (a 503)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Images are being processed for other requests; nothing was saved. Retry."
    default_code = "intake_busy"
    # DRF's exception handler sends this as Retry-After.
    wait = 5


class IntakeImage(File):
    """An image the intake accepted and re-encoded: the file to store, and what it is.

    Named ``image.<ext>`` (the field's ``UploadTo`` makes ``<folder>/<random>.<ext>`` of it), held
    in memory up to ``SPOOL_MAX_BYTES`` and on disk beyond. ``thumbnail`` holds WebP bytes when
    ``intake_image(..., thumbnail=True)`` asked for one, ``fingerprint`` the unsigned 64-bit
    perceptual hash when ``fingerprint=True`` did. Storing it closes it.
    """

    format: str
    extension: str
    content_type: str
    width: int
    height: int
    frames: int
    thumbnail: bytes | None
    fingerprint: int | None

    def __init__(
        self,
        file,
        *,
        format: str,
        width: int,
        height: int,
        size: int,
        frames: int = 1,
        thumbnail: bytes | None = None,
        fingerprint: int | None = None,
    ):
        stored = OUTPUTS[format]
        super().__init__(file, name=f"image{stored.extension}")
        self.size = size
        facts = {"format": format, "extension": stored.extension}
        facts |= {"content_type": stored.content_type, "width": width, "height": height}
        self.__dict__.update(facts, frames=frames, thumbnail=thumbnail, fingerprint=fingerprint)

    def __setattr__(self, name, value):
        # What the intake found is read-only; the file's own state (name, position) is not.
        if name in _FACTS:
            raise AttributeError(f"IntakeImage.{name} is read-only")
        super().__setattr__(name, value)


_FACTS = frozenset(IntakeImage.__annotations__)


def intake_image(
    upload: File,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    thumbnail: bool = False,
    fingerprint: bool = False,
) -> IntakeImage:
    """Validate and normalise an uploaded image; raise ``ValidationError`` for anything else.

    Caps default to ``settings.IMAGE_MAX_BYTES`` and ``settings.IMAGE_MAX_PIXELS`` (read at call
    time). The byte cap is checked before reading; the pixel cap and the shape caps
    (``IMAGE_MAX_SIDE``, ``IMAGE_MAX_ASPECT_RATIO``) from the header before decoding. The work
    then waits at most ``IMAGE_INTAKE_WAIT_S`` for a decode slot (``IntakeBusy``, a 503, after
    that) and may take ``IMAGE_INTAKE_TIMEOUT_S`` once it has one (``image_too_slow`` beyond).
    With ``thumbnail=True`` the result also carries a WebP thumbnail (longest side
    ``settings.IMAGE_THUMBNAIL_SIZE``) made from the same decoded pixels: one decode for both;
    ``fingerprint=True`` adds the perceptual hash (``fingerprint.perceptual_hash``) the same way.

    Orientation is applied, colours are converted to sRGB, CMYK and 16-bit images become 8-bit,
    all metadata is dropped and the image is re-encoded in its own format (HEIC as JPEG).
    Animations keep their frames (see the module docstring).
    """
    max_bytes = settings.IMAGE_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.IMAGE_MAX_PIXELS if max_pixels is None else max_pixels
    # Pillow warns, and at twice the figure raises, above Image.MAX_IMAGE_PIXELS while it grows a
    # GIF canvas; staying at or below it means no DecompressionBombWarning can ever escape.
    if Image.MAX_IMAGE_PIXELS is not None:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)

    check_upload_size(upload, max_bytes=max_bytes, kind="image")

    upload.open("rb")
    fp = upload.file
    name, codec = codec_for(fp)
    slots = _decode_slots()
    # Bounded: a request queued behind slow decodes answers 503 instead of holding its gunicorn
    # thread until the worker timeout.
    if not slots.acquire(timeout=max(0, settings.IMAGE_INTAKE_WAIT_S)):
        raise IntakeBusy()
    try:
        deadline = time.monotonic() + settings.IMAGE_INTAKE_TIMEOUT_S
        return _intake(
            fp,
            name,
            codec,
            max_pixels=max_pixels,
            thumbnail=thumbnail,
            fingerprint=fingerprint,
            deadline=deadline,
        )
    except streaming.TimedOut:
        raise ValidationError(
            "The image took more than %(limit)s seconds to process; try a smaller one.",
            code="image_too_slow",
            params={"limit": settings.IMAGE_INTAKE_TIMEOUT_S},
        ) from None
    except Image.DecompressionBombError:  # pragma: no cover - our caps are checked first
        raise ValidationError(
            "The image has more pixels than the limit of %(limit)s.",
            code="image_too_many_pixels",
            params={"limit": max_pixels},
        ) from None
    except _DECODE_ERRORS as exc:
        raise ValidationError(
            "The %(format)s image is truncated or corrupt and cannot be decoded.",
            code="image_corrupt",
            params={"format": codec.label},
        ) from exc
    finally:
        slots.release()


_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _decode_slots() -> threading.BoundedSemaphore:
    """At most ``IMAGE_INTAKE_CONCURRENCY`` decodes at once in this process.

    A decoded image is inherent to re-encoding and gunicorn runs several threads per worker:
    without a limit a few large uploads arriving together could exhaust a small instance.
    """
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.IMAGE_INTAKE_CONCURRENCY))
        return _slots


def _intake(
    fp: IO[bytes],
    name: str,
    codec: Codec,
    *,
    max_pixels: int,
    thumbnail: bool,
    fingerprint: bool,
    deadline: float,
) -> IntakeImage:
    image, frame_count = open_header(fp, name, codec, max_pixels=max_pixels)
    if frame_count == 1 and _streams(name, image.size):
        return _intake_streamed(
            fp,
            name,
            max_pixels=max_pixels,
            thumbnail=thumbnail,
            fingerprint=fingerprint,
            deadline=deadline,
        )
    save_as = codec.save_as

    image.load()
    # libheif reports the size it really decoded, which may differ from the header's: check again.
    check_dimensions(*image.size, frame_count, max_pixels)
    transpose = _ORIENTATION.get(image.getexif().get(_EXIF_ORIENTATION))
    icc_profile = image.info.get("icc_profile")
    loop = image.info.get("loop", 0)

    frames, durations = [], []
    for index in range(frame_count):
        # Pillow cannot be stopped inside a decode; the caps bound each frame, and the deadline
        # is checked between frames.
        streaming.check_deadline(deadline)
        if index:
            image.seek(index)
            image.load()
        durations.append(image.info.get("duration", 0))
        # The source is reused by the next seek, so every frame but a lone one is copied out.
        source = image if frame_count == 1 else image.copy()
        frames.append(_normalise(source, save_as, transpose=transpose, icc_profile=icc_profile))

    first = frames[0]
    output = _output()
    options = encoding.pillow_options(save_as, first.width * first.height)
    if len(frames) > 1:
        options |= {"save_all": True, "append_images": frames[1:]}
        options |= {"duration": durations, "loop": loop}
        if save_as == "GIF":
            # Frames are full composites; clearing each before the next keeps transparent
            # pixels transparent instead of showing the previous frame through them.
            options["disposal"] = 2
    first.save(_NoFileno(output), save_as, **options)
    return _result(
        output,
        save_as,
        first.size,
        frames=len(frames),
        thumbnail=thumbnail_bytes(first) if thumbnail else None,
        fingerprint=perceptual_hash(first) if fingerprint else None,
    )


def _streams(name: str, size: tuple[int, int]) -> bool:
    """Whether a still image goes through libvips (``streaming``) instead of Pillow.

    Only large ones: Pillow holds every pixel at once, but is faster on ordinary photos and makes
    their thumbnail from the pixels it decoded (bench/README.md).
    """
    width, height = size
    return name in streaming.FORMATS and width * height >= settings.IMAGE_STREAMING_MIN_PIXELS


def _intake_streamed(
    fp: IO[bytes],
    name: str,
    *,
    max_pixels: int,
    thumbnail: bool,
    fingerprint: bool,
    deadline: float,
):
    image = streaming.StillImage(fp, name)
    # libvips parses the header itself; its reading must pass the caps as well as Pillow's.
    check_dimensions(*image.size, 1, max_pixels)
    output = _output()
    stored_size = image.write_normalised(output, is_srgb=_is_srgb_profile, deadline=deadline)
    thumb = None
    if thumbnail:
        thumb = streaming.thumbnail(
            output, max_side=settings.IMAGE_THUMBNAIL_SIZE, deadline=deadline
        )
    phash = None
    if fingerprint:
        sample = streaming.sample(output, max_side=SAMPLE_MAX_SIDE, deadline=deadline)
        phash = perceptual_hash(sample)
    output.seek(0, io.SEEK_END)
    return _result(output, name, stored_size, frames=1, thumbnail=thumb, fingerprint=phash)


def _output() -> tempfile.SpooledTemporaryFile:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)


def _result(
    output: tempfile.SpooledTemporaryFile,
    save_as: str,
    size: tuple[int, int],
    *,
    frames: int,
    thumbnail: bytes | None,
    fingerprint: int | None = None,
) -> IntakeImage:
    """Wrap the written ``output`` (positioned at its end) as the intake's result."""
    byte_count = output.tell()
    output.seek(0)
    return IntakeImage(
        output,
        format=save_as,
        width=size[0],
        height=size[1],
        size=byte_count,
        frames=frames,
        thumbnail=thumbnail,
        fingerprint=fingerprint,
    )


def _normalise(image: Image.Image, save_as: str, *, transpose, icc_profile) -> Image.Image:
    if transpose is not None:
        image = image.transpose(transpose)
    if image.mode in _WIDE_GREY_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    if image.mode not in _WRITABLE_MODES[save_as]:
        has_alpha = image.has_transparency_data
        if save_as == "JPEG" and has_alpha:
            # JPEG has no alpha (a HEIC with transparency): flatten onto white, as viewers do.
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGBA" if has_alpha else "RGB")
    image.info = {key: value for key, value in image.info.items() if key in _RENDERING_INFO}
    return image


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert pixels from their embedded profile to sRGB (browsers assume sRGB once it is gone).

    A profile that lcms cannot read, or one that does not fit the pixels, is ignored: the image
    is then shown as if it were sRGB, which is what browsers do with a broken profile too.
    """
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if _describes_srgb(profile):
            return image
        if image.mode in {"P", "PA", "LA", "1"}:
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, profile, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _describes_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    # Most photos already carry sRGB; the identity transform would cost time for nothing.
    return ImageCms.getProfileDescription(profile).strip().startswith("sRGB")


def _is_srgb_profile(icc_profile: bytes) -> bool | None:
    """Whether an ICC profile is sRGB already; ``None`` when lcms cannot read it."""
    try:
        return _describes_srgb(ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


class _NoFileno:
    """Write-only view of a spooled file without ``fileno()``.

    Pillow's encoders call ``fileno()`` when a file has one, and ``SpooledTemporaryFile`` answers
    by rolling over to disk: small outputs would never stay in memory.
    """

    def __init__(self, file):
        self._file = file

    def write(self, data):
        return self._file.write(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()

    def flush(self):
        self._file.flush()
