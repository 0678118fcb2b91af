"""Video intake: accept MP4, QuickTime and WebM by their bytes, within ``VIDEO_MAX_BYTES``.

Videos are stored as uploaded (re-encoding is a transcoding job, not request work). What the
intake guarantees is that the bytes are the container they claim to be, so a ``<video>`` tag gets
a video and never HTML or an executable, and that the file is within the cap. The size comes from
``upload.size`` before a byte is read, and only the head is ever read (plus, for MP4, the 8-byte
headers of the top-level boxes up to ``moov``): a 100 MB upload stays in the temporary file
Django's upload handler streamed it into, and goes to storage from there in chunks.

The duration is read when the container states it (``mvhd`` in MP4/QuickTime, ``Info/Duration``
in WebM near the start); otherwise it is None.
"""

import math
import struct
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File

from . import intake
from .intake import StoredAs, check_upload_size

# Accepted containers → what is stored. Labels are how people name them in messages.
VIDEO_FORMATS = {
    "MP4": StoredAs(".mp4", "video/mp4"),
    "QuickTime": StoredAs(".mov", "video/quicktime"),
    "WebM": StoredAs(".webm", "video/webm"),
}
ALLOWED_LABELS = ", ".join(VIDEO_FORMATS)

# Bytes read to identify a file: an ``ftyp`` box with a dozen brands, or an EBML header.
SNIFF_BYTES = 64
# WebM states its duration in Segment/Info, which muxers write within the first few KB.
WEBM_HEAD_BYTES = 64 * 1024
# Top-level MP4 boxes walked looking for ``moov``: real files have 3-6 (ftyp, free, mdat, moov…).
MAX_TOP_LEVEL_BOXES = 64

# ``ftyp`` brands (major or compatible) of the MP4 family browsers play.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VP", b"M4VH", b"dash", b"mmp4", b"msnv", b"f4v ",
}  # fmt: skip
_QUICKTIME_BRANDS = {b"qt  "}
# Still images in the same box format (the image intake takes those) and audio-only files.
_IMAGE_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
    b"mif1", b"msf1", b"avif", b"avis",
}  # fmt: skip
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282
_SEGMENT = 0x18538067
_INFO = 0x1549A966
_CLUSTER = 0x1F43B675
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489


@dataclass(frozen=True)
class VideoIntake:
    """An accepted video: ``file`` is the upload itself (nothing was copied or read whole)."""

    file: File
    format: str
    extension: str
    content_type: str
    size: int
    duration: float | None = None


def sniff_video(head: bytes) -> str | None:
    """The video container the first bytes announce, or None when they announce none.

    Accepted names are the keys of ``VIDEO_FORMATS``; other containers are named too
    (``"Matroska"``, ``"AVI"``, ``"3GP"``, ``"M4A"``…) so messages can say what was sent.
    Still images in the ISO box format (HEIC, AVIF) are not videos: None.
    """
    if head[4:8] == b"ftyp":
        return _sniff_iso(head)
    if head[:4] == _EBML_MAGIC:
        doctype = _ebml_doctype(head)
        return {"webm": "WebM", "matroska": "Matroska"}.get(doctype, "EBML")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    return None


def _sniff_iso(head: bytes) -> str | None:
    box_size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(box_size, 16), len(head))]
    major = box[:4]
    brands = {major} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if brands & _IMAGE_BRANDS:
        return None
    if major in _QUICKTIME_BRANDS:
        return "QuickTime"
    if major in _AUDIO_BRANDS:
        return "M4A"
    if brands & _MP4_BRANDS:
        return "MP4"
    if major.startswith(b"3g"):
        return "3GP"
    return "ISO media"


def intake_video(upload: File, *, max_bytes: int | None = None) -> VideoIntake:
    """Validate an uploaded video by its bytes; raise ``ValidationError`` for anything else.

    The cap defaults to ``settings.VIDEO_MAX_BYTES`` (read at call time) and is checked from
    ``upload.size`` before anything is read.
    """
    max_bytes = settings.VIDEO_MAX_BYTES if max_bytes is None else max_bytes
    check_upload_size(upload, max_bytes=max_bytes, kind="video")
    size = upload.size
    upload.open("rb")
    fp = upload.file
    fp.seek(0)
    name = sniff_video(fp.read(SNIFF_BYTES))
    stored = VIDEO_FORMATS.get(name)
    if stored is None:
        raise ValidationError(
            "Unsupported video format '%(format)s'. Allowed: %(allowed)s.",
            code="video_unsupported_format",
            params={"format": (name or "unknown").lower(), "allowed": ALLOWED_LABELS},
        )
    try:
        duration = _webm_duration(fp) if name == "WebM" else _mp4_duration(fp, size)
    except (OSError, ValueError, IndexError, struct.error):
        duration = None  # a container we cannot measure is still a video; duration unknown
    fp.seek(0)
    return VideoIntake(
        file=upload,
        format=name,
        extension=stored.extension,
        content_type=stored.content_type,
        size=size,
        duration=duration,
    )


def _seconds(value: float) -> float | None:
    if not math.isfinite(value) or value < 0:
        return None
    return round(value, 3)


def intake_media(upload: File) -> File:
    """An image or a video, told apart by its bytes; returns the file to store.

    Images come back re-encoded by the image intake, with ``.intake`` (and a thumbnail); videos
    come back as the upload itself, with ``.video``. The larger of the two caps is checked from
    ``upload.size`` before the head is read; each intake then checks its own.
    """
    limit = max(settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES)
    if upload.size and upload.size > limit:
        raise ValidationError(
            "The file is %(size)s bytes; the limit is %(limit)s bytes.",
            code="media_too_large",
            params={"size": upload.size, "limit": limit},
        )
    upload.open("rb")
    upload.file.seek(0)
    head = upload.file.read(max(intake.SNIFF_BYTES, SNIFF_BYTES))
    upload.file.seek(0)
    if sniff_video(head) is not None:
        upload.video = intake_video(upload)
        return upload
    try:
        result = intake.intake_image(upload, thumbnail=True)
    except ValidationError as exc:
        if exc.code != "image_unsupported_format":
            raise
        raise ValidationError(
            "Unsupported media format '%(format)s'. Allowed: images (%(images)s) or videos "
            "(%(videos)s).",
            code="media_unsupported_format",
            params={
                "format": exc.params["format"],
                "images": intake.ALLOWED_LABELS,
                "videos": ALLOWED_LABELS,
            },
        ) from None
    result.file.intake = result
    return result.file


# --- MP4 / QuickTime: moov/mvhd -----------------------------------------------------------------


def _boxes(fp: IO[bytes], start: int, end: int):
    """(type, payload offset, payload end) of the boxes in [start, end), from headers alone."""
    offset = start
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if offset + 8 > end:
            return
        fp.seek(offset)
        header = fp.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        payload = offset + 8
        if size == 1:  # 64-bit size follows the type
            size = struct.unpack(">Q", fp.read(8))[0]
            payload += 8
        elif size == 0:  # the box runs to the end of the file
            size = end - offset
        if size < payload - offset:
            return
        yield kind, payload, offset + size
        offset += size


def _mp4_duration(fp: IO[bytes], size: int) -> float | None:
    for kind, payload, box_end in _boxes(fp, 0, size):
        if kind != b"moov":
            continue
        for child, child_payload, _ in _boxes(fp, payload, box_end):
            if child != b"mvhd":
                continue
            fp.seek(child_payload)
            version = fp.read(1)[0]
            if version == 1:  # flags(3), created(8), modified(8), timescale(4), duration(8)
                timescale, duration = struct.unpack(">IQ", fp.read(31)[19:])
            else:  # flags(3), created(4), modified(4), timescale(4), duration(4)
                timescale, duration = struct.unpack(">II", fp.read(19)[11:])
            return _seconds(duration / timescale) if timescale else None
        return None
    return None


# --- WebM: EBML header DocType, Segment/Info/Duration -------------------------------------------


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, position after it)."""
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if not first or length > 8:
        raise ValueError("invalid EBML variable-length integer")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    if pos + length > len(data):
        raise ValueError("truncated EBML element")
    return value, pos + length


def _elements(data: bytes, start: int, end: int):
    """(id, payload start, payload end) of the EBML elements in data[start:end]."""
    pos = start
    while pos < min(end, len(data)):
        element, pos = _vint(data, pos, keep_marker=True)
        size_start = pos
        size, pos = _vint(data, pos, keep_marker=False)
        length = pos - size_start
        if size == (1 << (7 * length)) - 1:  # "unknown size": runs to the end of its parent
            size = end - pos
        yield element, pos, pos + size
        pos += size


def _ebml_doctype(head: bytes) -> str | None:
    try:
        _, start, end = next(_elements(head, 0, len(head)))  # the EBML header element
        for child, child_start, child_end in _elements(head, start, end):
            if child == _EBML_DOCTYPE:
                return head[child_start:child_end].rstrip(b"\x00").decode("ascii")
    except (ValueError, UnicodeDecodeError, IndexError, StopIteration):
        return None
    return None


def _webm_duration(fp: IO[bytes]) -> float | None:
    fp.seek(0)
    head = fp.read(WEBM_HEAD_BYTES)
    elements = _elements(head, 0, len(head))
    next(elements, None)  # the EBML header, already checked
    for element, start, end in elements:
        if element != _SEGMENT:
            continue
        for child, child_start, child_end in _elements(head, start, end):
            if child == _CLUSTER:  # media data starts: no Info before it
                return None
            if child == _INFO:
                return _info_duration(head, child_start, min(child_end, len(head)))
        return None
    return None


def _info_duration(head: bytes, start: int, end: int) -> float | None:
    scale, duration = 1_000_000, None  # TimecodeScale defaults to 1 ms (in nanoseconds)
    for element, value_start, value_end in _elements(head, start, end):
        value = head[value_start:value_end]
        if element == _TIMECODE_SCALE:
            scale = int.from_bytes(value, "big")
        elif element == _DURATION and len(value) in (4, 8):
            duration = struct.unpack(">f" if len(value) == 4 else ">d", value)[0]
    return None if duration is None else _seconds(duration * scale / 1e9)
