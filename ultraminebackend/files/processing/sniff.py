"""What an upload is, from its declared size and first bytes: one gate for images and videos.

The file name and the client's content type are never consulted.
"""

from typing import IO, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import File

# Bytes read to identify a file: every signature below, an ``ftyp`` box with a dozen brands, or
# an EBML header.
SNIFF_BYTES = 64


class StoredAs(NamedTuple):
    extension: str
    content_type: str


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

# ``ftyp`` brands (major or compatible). Still images in the ISO box format (HEIF) are the image
# intake's and never a video; the MP4 family is what browsers play.
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
AVIF_BRANDS = {b"avif", b"avis"}
GENERIC_HEIF_BRANDS = {b"mif1", b"msf1"}
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VP", b"M4VH", b"dash", b"mmp4", b"msnv", b"f4v ",
}  # fmt: skip
QUICKTIME_BRANDS = {b"qt  "}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
STILL_IMAGES = {"HEIC", "AVIF", "HEIF"}

# Text that announces markup the browser would run or render; checked case-insensitively.
_MARKUP = ((b"<svg", "SVG"), (b"<!doctype html", "HTML"), (b"<html", "HTML"), (b"<script", "HTML"))

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282


def read_head(fp: IO[bytes]) -> bytes:
    """The first ``SNIFF_BYTES`` of an open binary file, which is left at its start."""
    fp.seek(0)
    head = fp.read(SNIFF_BYTES)
    fp.seek(0)
    return head


def check_upload_size(upload: File, *, max_bytes: int, kind: str, noun: str | None = None) -> None:
    """Refuse an empty upload or one over the cap (codes ``<kind>_empty``, ``<kind>_too_large``).

    Checked from the declared size before a single byte is read: a client cannot make us read
    past the cap. ``noun`` names the upload in the message (default: ``kind``).
    """
    size = upload.size
    if not size:
        raise ValidationError("The file is empty.", code=f"{kind}_empty")
    if size > max_bytes:
        raise ValidationError(
            f"The {noun or kind} is %(size)s bytes; the limit is %(limit)s bytes.",
            code=f"{kind}_too_large",
            params={"size": size, "limit": max_bytes},
        )


def unsupported_format(kind: str, name: str | None, allowed: str) -> ValidationError:
    """The ``<kind>_unsupported_format`` error, naming what was sent and what is accepted."""
    return ValidationError(
        f"Unsupported {kind} format '%(format)s'. Allowed: %(allowed)s.",
        code=f"{kind}_unsupported_format",
        params={"format": (name or "unknown").lower(), "allowed": allowed},
    )


def sniff_format(head: bytes) -> str | None:
    """The image format the first bytes announce (``"JPEG"``, ``"HEIC"``, ``"SVG"``, ``"TEXT"``…).

    Allowed and well-known rejected formats are named; ``None`` means unrecognised binary data.
    Videos in the ISO box format are all ``"MP4"`` here.
    """
    for offset, magic, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    iso = iso_media(head)
    if iso is not None:
        return iso if iso in STILL_IMAGES else "MP4"
    return _sniff_text(head)


def sniff_video(head: bytes) -> str | None:
    """The video container the first bytes announce, or None when they announce none.

    Accepted names are the keys of ``video.VIDEO_FORMATS``; other containers are named too
    (``"Matroska"``, ``"AVI"``, ``"3GP"``, ``"M4A"``…) so messages can say what was sent.
    Still images in the ISO box format (HEIC, AVIF) are not videos: None.
    """
    iso = iso_media(head)
    if iso is not None:
        return None if iso in STILL_IMAGES else iso
    if head[:4] == _EBML_MAGIC:
        doctype = _ebml_doctype(head)
        return {"webm": "WebM", "matroska": "Matroska"}.get(doctype, "EBML")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    return None


def iso_media(head: bytes) -> str | None:
    """What an ISO box-format file (``ftyp`` first) holds, from its brands; None for others."""
    if head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(box_size, 16), len(head))]
    major = box[:4]
    brands = {major} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if brands & HEIC_BRANDS:
        return "HEIC"
    if brands & AVIF_BRANDS:
        return "AVIF"
    if brands & GENERIC_HEIF_BRANDS:
        return "HEIF"
    if major in QUICKTIME_BRANDS:
        return "QuickTime"
    if major in AUDIO_BRANDS:
        return "M4A"
    if brands & MP4_BRANDS:
        return "MP4"
    if major.startswith(b"3g"):
        return "3GP"
    return "ISO media"


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


# --- EBML (WebM, Matroska) ----------------------------------------------------------------------


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


def ebml_elements(data: bytes, start: int, end: int):
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
        _, start, end = next(ebml_elements(head, 0, len(head)))  # the EBML header element
        for child, child_start, child_end in ebml_elements(head, start, end):
            if child == _EBML_DOCTYPE:
                return head[child_start:child_end].rstrip(b"\x00").decode("ascii")
    except (ValueError, UnicodeDecodeError, IndexError, StopIteration):
        return None
    return None
