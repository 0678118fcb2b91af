"""Image intake: sniff the real format, enforce the caps, orient, strip metadata and re-encode.

Every uploaded image goes through ``intake_image`` before it reaches storage, so what is stored is
always a freshly encoded JPEG, PNG, WebP or GIF whose extension tells the truth, with no EXIF (no
GPS position), no XMP, no comments and no ICC profile (colours are converted to sRGB first).

Pillow does the work, except for still JPEG, PNG and WebP images of at least
``IMAGE_STREAMING_MIN_PIXELS`` (16 MP): Pillow would hold every decoded pixel at once (~175 MB at
44 MP), so those go to ``streaming``, where libvips normalises them a strip at a time (~25 MB).

Animated GIF, WebP and PNG (APNG) keep their frames, durations and loop count: users upload GIFs
for the animation. Frames cost decode time and memory, so an animation is only accepted while
``frames x width x height`` stays within the pixel cap and it has at most ``MAX_FRAMES`` frames.
Thumbnails are still images of the first frame.
"""

import io
import struct
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from PIL import (
    GifImagePlugin,
    Image,
    ImageCms,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)
from pillow_heif import HeifImageFile

from . import streaming
from .errors import IntakeBusy
from .fingerprint import SAMPLE_MAX_SIDE, perceptual_hash
from .variants import THUMBNAIL_WEBP_OPTIONS, thumbnail_bytes


class StoredAs(NamedTuple):
    extension: str
    content_type: str


class _Codec(NamedTuple):
    label: str  # how people name the format in messages
    opener: type[ImageFile.ImageFile]  # the only Pillow plugin allowed to parse it
    save_as: str  # the Pillow format the normalised image is written in
    animated: bool  # whether frames after the first are kept


# Written format → extension and content type of the stored file.
_OUTPUTS = {
    "JPEG": StoredAs(".jpg", "image/jpeg"),
    "PNG": StoredAs(".png", "image/png"),
    "WEBP": StoredAs(".webp", "image/webp"),
    "GIF": StoredAs(".gif", "image/gif"),
}

# Detected format → how it is parsed and written. Opening with the one plugin the bytes announce
# (instead of ``Image.open``, which tries ~40 parsers) keeps rarely-audited decoders such as
# MPO, TIFF or EPS unreachable from uploads. HEIC is written as JPEG: most browsers cannot show it.
_CODECS = {
    "JPEG": _Codec("JPEG", JpegImagePlugin.JpegImageFile, "JPEG", animated=False),
    "PNG": _Codec("PNG", PngImagePlugin.PngImageFile, "PNG", animated=True),
    "WEBP": _Codec("WebP", WebPImagePlugin.WebPImageFile, "WEBP", animated=True),
    "GIF": _Codec("GIF", GifImagePlugin.GifImageFile, "GIF", animated=True),
    "HEIC": _Codec("HEIC", HeifImageFile, "JPEG", animated=False),
}

# Detected format → what is stored (HEIC arrives as HEIC and is stored as JPEG).
ALLOWED_FORMATS = {name: _OUTPUTS[codec.save_as] for name, codec in _CODECS.items()}
ALLOWED_LABELS = ", ".join(codec.label for codec in _CODECS.values())

# Encoder settings per written format: visually lossless for photos at a reasonable size.
_SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    # Not optimize=True: its extra passes cost ~0.8 s per 3 MP photo; level 6 is the zlib default.
    "PNG": {"compress_level": 6},
    "WEBP": {"quality": 85, "method": 4},
    "GIF": {"optimize": True},
}

# Progressive and optimised-Huffman JPEGs are multi-pass for libjpeg: it holds every DCT
# coefficient of the image (~3 bytes per pixel at 4:2:0) and Pillow gives it an output buffer for
# the whole file, on top of the decoded pixels: +140 MB for a 44 MP photo (bench/upload_memory.py).
# Originals above this size are written baseline with standard Huffman tables, which libjpeg
# streams to the output as it goes: ~10% larger files without progressive rendering, and the
# encoder adds next to nothing. 16 MP keeps ordinary 12 MP phone photos progressive.
MULTIPASS_MAX_PIXELS = 16_000_000

# What changes above MULTIPASS_MAX_PIXELS, per written format.
_STREAMING_SAVE_OPTIONS = {"JPEG": {"optimize": False, "progressive": False}}

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

# Animations beyond this many frames are refused even when tiny: each frame costs a Python-level
# decode and encode round, so a 15 MB file of 1x1 frames would otherwise hold a worker for minutes.
MAX_FRAMES = 500

# Re-encoded output stays in memory up to this size and spills to a temporary file beyond it.
SPOOL_MAX_BYTES = 4 * 1024 * 1024

# Bytes read to identify a file: enough for every signature below and the HEIF ``ftyp`` box.
SNIFF_BYTES = 64

# Magic numbers: (offset, bytes, format). Rejected formats are listed so the message can name them.
_SIGNATURES = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"%PDF-", "PDF"),
    (0, b"BM", "BMP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"8BPS", "PSD"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"\x00\x00\x00\x0cjP  ", "JPEG2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG2000"),
    (0, b"\xff\x0a", "JXL"),
    (0, b"PK\x03\x04", "ZIP"),
)
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1"}

# Text that announces markup the browser would run or render; checked case-insensitively.
_MARKUP = ((b"<svg", "SVG"), (b"<!doctype html", "HTML"), (b"<html", "HTML"), (b"<script", "HTML"))

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


@dataclass(frozen=True)
class IntakeResult:
    """A normalised image ready for ``FieldFile.save``.

    ``file`` is a temporary file (in memory up to ``SPOOL_MAX_BYTES``, on disk beyond) named
    ``image.<ext>``; the field's ``UploadTo`` turns that into ``<folder>/<random>.<ext>``. Close it
    once storage has saved it (a temporary file also disappears when garbage-collected).
    ``thumbnail`` holds WebP bytes when ``intake_image(..., thumbnail=True)`` asked for one, and
    ``fingerprint`` the unsigned 64-bit perceptual hash when ``fingerprint=True`` did.
    """

    file: File
    format: str
    extension: str
    content_type: str
    width: int
    height: int
    size: int
    frames: int = 1
    thumbnail: bytes | None = None
    fingerprint: int | None = None


def sniff_format(head: bytes) -> str | None:
    """The format the first bytes announce (``"JPEG"``, ``"HEIC"``, ``"SVG"``, ``"TEXT"``, …).

    Allowed and well-known rejected formats are named; ``None`` means unrecognised binary data.
    Only the bytes count: the file name and the client's content type are never consulted.
    """
    for offset, magic, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        return _sniff_heif(head)
    return _sniff_text(head)


def _sniff_heif(head: bytes) -> str | None:
    box_size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(box_size, 12), len(head))]
    brands = {box[:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if brands & _HEIC_BRANDS:
        return "HEIC"
    if brands & _AVIF_BRANDS:
        return "AVIF"
    if brands & _GENERIC_HEIF_BRANDS:
        return "HEIF"
    return "MP4"


def _sniff_text(head: bytes) -> str | None:
    try:
        text = head.decode("utf-8", errors="strict" if len(head) < SNIFF_BYTES else "ignore")
    except UnicodeDecodeError:
        return None
    if not text or not all(char.isprintable() or char.isspace() for char in text):
        return None
    lowered = head.lower()
    for marker, name in _MARKUP:
        if marker in lowered:
            return name
    if lowered.lstrip().startswith(b"<?xml"):
        # An SVG may start with a long XML prolog; the SVG element can come later.
        return "SVG" if b"svg" in lowered else "XML"
    return "TEXT"


def check_upload_size(upload: File, *, max_bytes: int, kind: str) -> None:
    """Refuse an empty upload or one over the cap (codes ``<kind>_empty``, ``<kind>_too_large``).

    Checked from the declared size before a single byte is read: a client cannot make us read
    past the cap. Shared by the image and video intakes.
    """
    size = upload.size
    if not size:
        raise ValidationError("The file is empty.", code=f"{kind}_empty")
    if size > max_bytes:
        raise ValidationError(
            f"The {kind} is %(size)s bytes; the limit is %(limit)s bytes.",
            code=f"{kind}_too_large",
            params={"size": size, "limit": max_bytes},
        )


def intake_image(
    upload: File,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    thumbnail: bool = False,
    fingerprint: bool = False,
) -> IntakeResult:
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
    name, codec = _codec_for(fp)
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

    A decoded image is inherent to re-encoding (Pillow holds 4 bytes per pixel: ~160 MB at
    40 MP), and gunicorn runs several threads per worker; without a limit, a few large uploads
    arriving together could exhaust a 512 MB instance. Others wait their turn instead.
    """
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.IMAGE_INTAKE_CONCURRENCY))
        return _slots


def open_image(fp: IO[bytes], *, max_pixels: int) -> tuple[str, ImageFile.ImageFile]:
    """Parse the header of an allowed image without decoding it, and enforce the pixel cap.

    Returns the detected format and the lazily loaded image. ``variants`` opens stored files
    through it, so they pass the same guards as uploads.
    """
    name, codec = _codec_for(fp)
    return name, _open(fp, name, codec, max_pixels=max_pixels)[0]


def _codec_for(fp: IO[bytes]) -> tuple[str, _Codec]:
    fp.seek(0)
    name = sniff_format(fp.read(SNIFF_BYTES))
    fp.seek(0)
    codec = _CODECS.get(name)
    if codec is None:
        raise ValidationError(
            "Unsupported image format '%(format)s'. Allowed: %(allowed)s.",
            code="image_unsupported_format",
            params={"format": (name or "unknown").lower(), "allowed": ALLOWED_LABELS},
        )
    return name, codec


def _open(fp: IO[bytes], name: str, codec: _Codec, *, max_pixels: int):
    """Header only: the caps are enforced here, before any pixel is decoded."""
    if name == "GIF":
        # A GIF frame may reach outside the declared screen and Pillow then grows the canvas
        # while parsing; measure the real canvas from the block structure before Pillow sees it.
        width, height, frames = _scan_gif(fp)
        _check_dimensions(width, height, frames, max_pixels)
        fp.seek(0)
    image = codec.opener(fp)
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if codec.animated else 1
    # Decompression bombs: a few KB of PNG can claim 10 gigapixels. The header says how many
    # pixels decoding would allocate; compare before ``load()`` ever runs.
    _check_dimensions(width, height, frames, max_pixels)
    return image, frames


def _intake(
    fp: IO[bytes],
    name: str,
    codec: _Codec,
    *,
    max_pixels: int,
    thumbnail: bool,
    fingerprint: bool,
    deadline: float,
) -> IntakeResult:
    image, frame_count = _open(fp, name, codec, max_pixels=max_pixels)
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
    _check_dimensions(*image.size, frame_count, max_pixels)
    transpose = _ORIENTATION.get(image.getexif().get(_EXIF_ORIENTATION))
    icc_profile = image.info.get("icc_profile")
    loop = image.info.get("loop", 0)

    frames, durations = [], []
    for index in range(frame_count):
        # Pillow cannot be stopped inside a decode; the caps bound each frame (a 40 MP GIF or
        # HEIC takes ~1-2 s), and the deadline is checked between frames.
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
    options = _save_options(save_as, first.width * first.height)
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

    Only large ones. Pillow holds every pixel at once, but is faster on ordinary photos (12 MP
    with thumbnail: 466 vs 733 ms), which are written progressive so that libjpeg buffers every
    coefficient in either library, and it makes their thumbnail from the pixels it decoded.
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
    _check_dimensions(*image.size, 1, max_pixels)
    output = _output()
    width, height = image.size
    stored_size = image.write_normalised(
        output,
        multipass=width * height <= MULTIPASS_MAX_PIXELS,
        is_srgb=_is_srgb_profile,
        deadline=deadline,
    )
    thumb = None
    if thumbnail:
        thumb = streaming.thumbnail(
            output,
            max_side=settings.IMAGE_THUMBNAIL_SIZE,
            webp_options=THUMBNAIL_WEBP_OPTIONS,
            deadline=deadline,
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
) -> IntakeResult:
    """Wrap the written ``output`` (positioned at its end) as the intake's result."""
    byte_count = output.tell()
    output.seek(0)
    stored = _OUTPUTS[save_as]
    file = File(output, name=f"image{stored.extension}")
    file.size = byte_count
    return IntakeResult(
        file=file,
        format=save_as,
        extension=stored.extension,
        content_type=stored.content_type,
        width=size[0],
        height=size[1],
        size=byte_count,
        frames=frames,
        thumbnail=thumbnail,
        fingerprint=fingerprint,
    )


def _save_options(save_as: str, pixels: int) -> dict:
    options = dict(_SAVE_OPTIONS[save_as])
    if pixels > MULTIPASS_MAX_PIXELS:
        options |= _STREAMING_SAVE_OPTIONS.get(save_as, {})
    return options


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
    # Most photos already carry sRGB; skipping the identity transform saves ~40 ms per 12 MP.
    return ImageCms.getProfileDescription(profile).strip().startswith("sRGB")


def _is_srgb_profile(icc_profile: bytes) -> bool | None:
    """Whether an ICC profile is sRGB already; ``None`` when lcms cannot read it."""
    try:
        return _describes_srgb(ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _check_dimensions(width: int, height: int, frames: int, max_pixels: int) -> None:
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

    Decoders pay a fixed cost per row (and per strip of rows in libvips): a 77 KB PNG of
    1 x 39,900,000 pixels passed the pixel cap and held the decode slot for 44 s. Capping the
    longest side, and the ratio of the sides, bounds the rows any accepted image can have.
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
