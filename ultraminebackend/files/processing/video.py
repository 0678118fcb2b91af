"""Video intake: MP4, QuickTime and WebM, accepted by their bytes and stored as uploaded; only
the head and box headers are read, so a large upload stays in its temporary file."""

import math
import struct
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File

from .guards import ALLOWED_LABELS as IMAGE_LABELS
from .intake import IntakeImage, intake_image
from .sniff import (
    StoredAs,
    check_upload_size,
    ebml_elements,
    read_head,
    sniff_video,
    unsupported_format,
)

# Accepted containers → what is stored. Labels are how people name them in messages.
VIDEO_FORMATS = {
    "MP4": StoredAs(".mp4", "video/mp4"),
    "QuickTime": StoredAs(".mov", "video/quicktime"),
    "WebM": StoredAs(".webm", "video/webm"),
}
ALLOWED_LABELS = ", ".join(VIDEO_FORMATS)

# WebM states its duration in Segment/Info, which muxers write within the first few KB.
WEBM_HEAD_BYTES = 64 * 1024
# Top-level MP4 boxes walked looking for ``moov``: real files have 3-6 (ftyp, free, mdat, moov…).
MAX_TOP_LEVEL_BOXES = 64

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
    name = sniff_video(read_head(fp))
    stored = VIDEO_FORMATS.get(name)
    if stored is None:
        raise unsupported_format("video", name, ALLOWED_LABELS)
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


def intake_media(upload: File) -> IntakeImage | VideoIntake:
    """An image or a video, told apart by its bytes, through the intake for its kind.

    Images come back re-encoded with a thumbnail, videos as the upload itself. The larger of
    the two caps is checked from ``upload.size`` before the head is read; each intake then
    checks its own (and refuses an empty file in its own words).
    """
    if upload.size:
        limit = max(settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES)
        check_upload_size(upload, max_bytes=limit, kind="media", noun="file")
    upload.open("rb")
    if sniff_video(read_head(upload.file)) is not None:
        return intake_video(upload)
    try:
        return intake_image(upload, thumbnail=True)
    except ValidationError as exc:
        if exc.code != "image_unsupported_format":
            raise
        allowed = f"images ({IMAGE_LABELS}) or videos ({ALLOWED_LABELS})"
        raise unsupported_format("media", exc.params["format"], allowed) from None


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


def _webm_duration(fp: IO[bytes]) -> float | None:
    fp.seek(0)
    head = fp.read(WEBM_HEAD_BYTES)
    elements = ebml_elements(head, 0, len(head))
    next(elements, None)  # the EBML header, already checked
    for element, start, end in elements:
        if element != _SEGMENT:
            continue
        for child, child_start, child_end in ebml_elements(head, start, end):
            if child == _CLUSTER:  # media data starts: no Info before it
                return None
            if child == _INFO:
                return _info_duration(head, child_start, min(child_end, len(head)))
        return None
    return None


def _info_duration(head: bytes, start: int, end: int) -> float | None:
    scale, duration = 1_000_000, None  # TimecodeScale defaults to 1 ms (in nanoseconds)
    for element, value_start, value_end in ebml_elements(head, start, end):
        value = head[value_start:value_end]
        if element == _TIMECODE_SCALE:
            scale = int.from_bytes(value, "big")
        elif element == _DURATION and len(value) in (4, 8):
            duration = struct.unpack(">f" if len(value) == 4 else ">d", value)[0]
    return None if duration is None else _seconds(duration * scale / 1e9)
