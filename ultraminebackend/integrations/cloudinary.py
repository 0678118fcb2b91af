"""Cloudinary uploads, deletes and delivery URLs, configured per call from settings.CLOUDINARY_URL.

Never the SDK's global config; see docs/writes-and-assets.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from urllib.parse import parse_qs, urlsplit

import cloudinary.exceptions
import cloudinary.uploader
from django.conf import settings

from ultraminebackend.assets.errors import CdnError

from .borrowed import BorrowedFile
from .delivery import fetch_delivery

# Per-call values that override whatever the SDK's global config picked up from the environment.
BASE_OPTIONS: dict[str, object] = {
    "upload_prefix": None,  # None → the SDK's default, https://api.cloudinary.com
    "oauth_token": None,  # we sign with key and secret; a stray token would take precedence
    "private_cdn": False,
    "secure_distribution": None,
    "cname": None,
    "secure": True,  # delivery URLs are always https
}
# Uploads of large images (or of a remote URL Cloudinary must fetch first) take a while, but a
# worker thread must never wait forever: the SDK's default is no timeout at all.
DEFAULT_TIMEOUT_S = 60.0
RESOURCE_TYPES = frozenset({"image", "video", "raw", "auto"})
# File objects are uploaded in chunks of this size (the SDK's own default): the SDK reads whatever
# it sends into memory, so a 100 MB video must never go in one piece. Cloudinary takes chunks of
# 5 MB or more (the last may be smaller); ``?chunk_size=`` in CLOUDINARY_URL overrides it.
UPLOAD_CHUNK_BYTES = 20_000_000
# Upload API failures that can succeed on a later try (the SDK's exception classes by name).
_TRANSIENT_ERRORS = frozenset({"RateLimited", "GeneralError"})
_NESTED_KEY = re.compile(r"^\w+\[\w+\]$")


class CloudinaryError(CdnError):
    """A Cloudinary call failed; ``transient`` is True when retrying later may succeed."""

    def __init__(self, message: str, *, transient: bool, code: str = "cloudinary_error") -> None:
        super().__init__(message, transient=transient, code=code)


@dataclass(frozen=True)
class CloudinaryAsset:
    """An uploaded asset exactly as Cloudinary's response describes it (never rebuilt locally)."""

    public_id: str
    asset_id: str
    secure_url: str
    width: int | None
    height: int | None
    bytes: int
    format: str
    resource_type: str
    version: int
    duration: float | None = None  # seconds, for videos (and animations)

    @classmethod
    def from_response(cls, response: dict) -> CloudinaryAsset:
        try:
            return cls(
                public_id=response["public_id"],
                asset_id=response["asset_id"],
                secure_url=response["secure_url"],
                width=response.get("width"),
                height=response.get("height"),
                bytes=response["bytes"],
                format=response.get("format", ""),
                resource_type=response["resource_type"],
                version=response["version"],
                duration=response.get("duration"),
            )
        except (KeyError, TypeError) as exc:
            raise CloudinaryError(
                f"Cloudinary's upload answer lacks {exc}.", transient=False, code="bad_response"
            ) from exc


# --- configuration ------------------------------------------------------------------------------


def parse_cloudinary_url(url: str) -> dict[str, object]:
    """``cloudinary://key:secret@cloud/dist?opt=v`` → SDK options, as the SDK itself reads it."""
    parts = urlsplit(url.strip())
    if parts.scheme != "cloudinary":
        raise CloudinaryError(
            "CLOUDINARY_URL must start with cloudinary://", transient=False, code="not_configured"
        )
    options: dict[str, object] = {
        "cloud_name": parts.hostname,
        "api_key": parts.username,
        "api_secret": parts.password,
    }
    if parts.path not in {"", "/"}:
        options.update(private_cdn=True, secure_distribution=parts.path.lstrip("/"))
    for key, values in parse_qs(parts.query).items():
        if _NESTED_KEY.match(key):  # e.g. auth_token[key]=… becomes {"auth_token": {"key": …}}
            outer, inner = key[:-1].split("[")
            nested = options.setdefault(outer, {})
            if isinstance(nested, dict):
                nested[inner] = values[0]
        else:
            options[key] = values[0]
    if "timeout" in options:  # the SDK passes it to urllib3, which needs a number
        options["timeout"] = float(options["timeout"])
    if "chunk_size" in options:  # the SDK reads this many bytes per chunk: an int
        options["chunk_size"] = int(options["chunk_size"])
    return options


def _options() -> dict[str, object]:
    """Per-call SDK options from settings.CLOUDINARY_URL, read now (tests override it)."""
    url = settings.CLOUDINARY_URL
    if not url:
        raise CloudinaryError("CLOUDINARY_URL is not set.", transient=False, code="not_configured")
    options = {**BASE_OPTIONS, "timeout": DEFAULT_TIMEOUT_S, **parse_cloudinary_url(url)}
    missing = [k for k in ("cloud_name", "api_key", "api_secret") if not options.get(k)]
    if missing:
        raise CloudinaryError(
            f"CLOUDINARY_URL lacks {', '.join(missing)}.", transient=False, code="not_configured"
        )
    return options


def is_configured() -> bool:
    """True when CLOUDINARY_URL names a cloud, a key and a secret."""
    try:
        _options()
    except CloudinaryError:
        return False
    return True


# --- calls --------------------------------------------------------------------------------------


def upload_image(
    *,
    file_or_bytes_or_url: bytes | IO[bytes] | str,
    folder: str,
    public_id: str | None = None,
    resource_type: str = "image",
    format: str | None = "jpg",  # Cloudinary's own parameter name
    quality: str | None = "auto:best",
) -> CloudinaryAsset:
    """Upload bytes, a binary file object or an http(s) URL; return what Cloudinary stored.

    ``format`` converts the stored asset (None keeps the original) and ``quality`` is applied as
    an incoming transformation (``q_auto:best``), so the stored file is already optimised.
    """
    if resource_type not in RESOURCE_TYPES:
        raise ValueError(f"resource_type must be one of {sorted(RESOURCE_TYPES)}")
    if isinstance(file_or_bytes_or_url, str) and not re.match(r"^https?://", file_or_bytes_or_url):
        # The SDK reads any other string as a local *file path* and uploads that file: a string
        # from a request could otherwise publish /etc/passwd or the settings module.
        raise ValueError("A string to upload must be an http(s) URL; pass bytes or a file object.")
    options = _options()
    extra: dict[str, object] = {"folder": folder, "resource_type": resource_type}
    if public_id:
        extra["public_id"] = public_id
    if format:
        extra["format"] = format
    if quality:
        extra["quality"] = quality
    response = _call(cloudinary.uploader.upload, file_or_bytes_or_url, **{**options, **extra})
    return CloudinaryAsset.from_response(response)


def upload_file(*, file: IO[bytes], folder: str, resource_type: str = "auto") -> CloudinaryAsset:
    """Upload a binary file object as it is (no conversion), streamed in chunks.

    At most one chunk (``UPLOAD_CHUNK_BYTES``) is in memory at a time, whatever the file's size,
    and the file is read from its start. It stays open: closing it is the caller's business.
    With ``resource_type="auto"`` Cloudinary decides between image and video from the bytes.
    """
    if resource_type not in RESOURCE_TYPES:
        raise ValueError(f"resource_type must be one of {sorted(RESOURCE_TYPES)}")
    options = {"chunk_size": UPLOAD_CHUNK_BYTES, **_options()}
    file.seek(0)
    response = _call(
        cloudinary.uploader.upload_large,
        BorrowedFile(file),
        **{**options, "folder": folder, "resource_type": resource_type},
    )
    return CloudinaryAsset.from_response(response)


def fetch(url: str, *, max_bytes: int, timeout: float = DEFAULT_TIMEOUT_S) -> bytes:
    """The bytes a delivery URL serves (a ``secure_url`` Cloudinary gave us), at most ``max_bytes``.

    Only for URLs from Cloudinary's own answers (stored on our rows), never from a request: it
    lets a server-side copy go to our storage when uploading from the URL is not possible.
    """
    return fetch_delivery(
        url, max_bytes=max_bytes, timeout=timeout, service="Cloudinary", error=CloudinaryError
    )


def destroy(*, public_id: str, resource_type: str = "image") -> bool:
    """Delete an asset; True if it was deleted, False if Cloudinary had no such asset."""
    if resource_type not in RESOURCE_TYPES - {"auto"}:
        raise ValueError("destroy needs the asset's real resource_type (image, video or raw).")
    response = _call(
        cloudinary.uploader.destroy,
        public_id,
        **{**_options(), "resource_type": resource_type, "invalidate": True},
    )
    result = response.get("result")
    if result == "ok":
        return True
    if result == "not found":
        return False
    raise CloudinaryError(f"Cloudinary could not delete {public_id}: {result!r}.", transient=True)


def _call(function: Callable[..., dict], *args: object, **options: object) -> dict:
    """Run an SDK call, turning everything it raises into CloudinaryError."""
    try:
        return function(*args, **options)
    except cloudinary.exceptions.Error as exc:
        name = type(exc).__name__
        # A plain Error is what the SDK raises for transport failures (timeouts, refused or
        # reset connections) and for answers that are not JSON (a proxy's 502 page).
        transient = name in _TRANSIENT_ERRORS or type(exc) is cloudinary.exceptions.Error
        raise CloudinaryError(
            _scrub(f"Cloudinary {name}: {exc}", options),
            transient=transient,
            code=_code_for(name),
        ) from exc
    except ValueError as exc:  # the SDK's "Must supply api_key" and similar
        raise CloudinaryError(
            _scrub(str(exc), options), transient=False, code="not_configured"
        ) from exc


_CODES = {
    "BadRequest": "bad_request",
    "AuthorizationRequired": "unauthorized",
    "NotAllowed": "not_allowed",
    "NotFound": "not_found",
    "AlreadyExists": "already_exists",
    "RateLimited": "rate_limited",
    "GeneralError": "server_error",
    "Error": "unavailable",
}


def _code_for(name: str) -> str:
    return _CODES.get(name, "cloudinary_error")


def _scrub(message: str, options: dict) -> str:
    """Error messages reach logs and admins; the API secret must never be in them."""
    secret = options.get("api_secret")
    # Real secrets are ~27 characters; masking a tiny test value would garble the message.
    if isinstance(secret, str) and len(secret) >= 8:
        message = message.replace(secret, "***")
    return message[:500]


def with_transformation(secure_url: str, transformation: str) -> str:
    """The delivery URL Cloudinary gave us, with a transformation segment after ``/upload/``.

    Built from the response's own ``secure_url`` (never from our inputs), so version, folder and
    extension stay exactly what Cloudinary stored. ``q_auto:best`` optimises on delivery while the
    stored original stays untouched.
    """
    head, separator, tail = secure_url.partition("/upload/")
    if not separator:
        return secure_url
    return f"{head}/upload/{transformation}/{tail}"


def thumbnail_transformation() -> str:
    """A WebP no wider or taller than IMAGE_THUMBNAIL_SIZE, never upscaled."""
    size = settings.IMAGE_THUMBNAIL_SIZE
    return f"c_limit,w_{size},h_{size},f_webp,q_auto"
