"""ImageKit uploads, deletes and delivery URLs through its official SDK (``imagekitio`` 5).

Configured per call from settings (``IMAGEKIT_PRIVATE_KEY``, ``IMAGEKIT_URL_ENDPOINT``), so a
test's override takes effect at once. ``IMAGEKIT_API_BASE_URL`` is the SDK's own ``base_url``:
once it is set, the SDK sends uploads to ``<base>/api/v1/files/upload`` instead of
``upload.imagekit.io`` (a proxy, or the fake in tests). The SDK's retries are off: a failure
moves the request on to the next storage at once, as with Cloudinary.

Everything the SDK raises comes out as ``ImageKitError``, whose ``transient`` says whether the
same call may succeed later (rate limit, 5xx, timeout, network) or never will.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, TypeVar

import imagekitio
from django.conf import settings

from ultraminebackend.assets.errors import CdnError

from .borrowed import BorrowedFile
from .delivery import fetch_delivery

T = TypeVar("T")


class ImageKitError(CdnError):
    """An ImageKit call failed; ``transient`` is True when retrying later may succeed."""

    def __init__(self, message: str, *, transient: bool, code: str = "imagekit_error") -> None:
        super().__init__(message, transient=transient, code=code)


@dataclass(frozen=True)
class ImageKitFile:
    """An uploaded file as ImageKit's answer describes it (never rebuilt locally)."""

    file_id: str  # what a delete needs
    file_path: str  # "/auto/3f2a….jpg": the folder and name in the media library
    url: str
    file_type: str  # "image" or "non-image"
    name: str
    width: int | None
    height: int | None
    size: int
    duration: float | None = None

    @classmethod
    def from_response(cls, response: imagekitio.types.FileUploadResponse) -> ImageKitFile:
        if not (response.file_id and response.file_path and response.url):
            raise ImageKitError(
                "ImageKit's upload answer lacks fileId, filePath or url.",
                transient=False,
                code="bad_response",
            )
        return cls(
            file_id=response.file_id,
            file_path=response.file_path,
            url=response.url,
            file_type=response.file_type or "image",
            name=response.name or "",
            width=_int(response.width),
            height=_int(response.height),
            size=int(response.size or 0),
            duration=response.duration,
        )


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


# --- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    private_key: str
    url_endpoint: str
    base_url: str | None
    timeout: float


def config() -> Config:
    """The settings as one value; raises ``ImageKitError`` when ImageKit is not configured."""
    missing = [
        name
        for name in ("IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_URL_ENDPOINT")
        if not getattr(settings, name, "")
    ]
    if missing:
        raise ImageKitError(
            f"{' and '.join(missing)} not set.", transient=False, code="not_configured"
        )
    return Config(
        private_key=settings.IMAGEKIT_PRIVATE_KEY,
        url_endpoint=settings.IMAGEKIT_URL_ENDPOINT.rstrip("/"),
        base_url=settings.IMAGEKIT_API_BASE_URL.rstrip("/") or None,
        timeout=float(settings.IMAGEKIT_TIMEOUT_S),
    )


def is_configured() -> bool:
    """True when the private key and the URL endpoint are set."""
    try:
        config()
    except ImageKitError:
        return False
    return True


@lru_cache(maxsize=8)
def _client(private_key: str, base_url: str | None, timeout: float) -> imagekitio.ImageKit:
    # One client (and so one connection pool) per configuration; httpx clients are thread-safe.
    return imagekitio.ImageKit(
        private_key=private_key, base_url=base_url, timeout=timeout, max_retries=0
    )


def client(timeout: float | None = None) -> imagekitio.ImageKit:
    """The SDK client for the current settings (``timeout`` overrides IMAGEKIT_TIMEOUT_S)."""
    conf = config()
    return _client(conf.private_key, conf.base_url, timeout or conf.timeout)


# --- calls --------------------------------------------------------------------------------------


def upload(
    *,
    file: IO[bytes],
    file_name: str,
    folder: str,
    pre: str | None = None,
    timeout: float | None = None,
) -> ImageKitFile:
    """Upload a binary file object, streamed from its start and left open; ``pre`` is a
    pre-transformation ImageKit applies before storing it. (The SDK takes no URL to fetch:
    its README says to download first.)"""
    options: dict[str, object] = {"folder": f"/{folder.strip('/')}"}
    if pre:
        options["transformation"] = {"pre": pre}
    response = _call(
        lambda sdk: sdk.files.upload(
            file=(file_name, BorrowedFile(file, from_start=True)),
            file_name=file_name,
            use_unique_file_name=False,  # our names are random already: the path is ours
            **options,
        ),
        timeout=timeout,
    )
    return ImageKitFile.from_response(response)


def destroy(*, file_id: str, timeout: float | None = None) -> bool:
    """Delete a file by its ``fileId``; True if deleted, False if ImageKit had no such file."""
    try:
        _call(lambda sdk: sdk.files.delete(file_id), timeout=timeout)
    except ImageKitError as exc:
        if exc.code == "not_found":
            return False
        raise
    return True


def fetch(url: str, *, max_bytes: int, service: str = "ImageKit") -> bytes:
    """The bytes a delivery URL serves (one a CDN gave us, never one from a request), at most
    ``max_bytes``; ``service`` names who answered in errors."""
    return fetch_delivery(
        url,
        max_bytes=max_bytes,
        timeout=float(settings.IMAGEKIT_TIMEOUT_S),
        service=service,
        error=ImageKitError,
    )


def delivery_url(file_path: str) -> str:
    """A file's URL under IMAGEKIT_URL_ENDPOINT (the SDK's helper): the account's default
    ``https://ik.imagekit.io/<id>`` or a custom domain set up in the dashboard."""
    return _url_helper().build_url(src=file_path, url_endpoint=config().url_endpoint)


def with_transformation(url: str, **transformation: object) -> str:
    """A stored delivery URL with ``?tr=…`` (the SDK's helper spells the keys: ``width=320`` is
    ``w-320``); the stored original is untouched."""
    return _url_helper().build_url(
        src=url,
        url_endpoint=url,  # an absolute src is used as it is; the helper still wants one
        transformation=[transformation],
        transformation_position="query",
    )


def thumbnail_transformation() -> dict[str, object]:
    """A WebP no wider or taller than IMAGE_THUMBNAIL_SIZE, never upscaled (``c-at_max``)."""
    size = settings.IMAGE_THUMBNAIL_SIZE
    return {"width": size, "height": size, "crop": "at_max", "format": "webp"}


@lru_cache(maxsize=1)
def _url_helper():
    # Building a URL needs no key (nothing is signed); rows keep their URLs after keys go away.
    return imagekitio.ImageKit(private_key="unused-for-unsigned-urls").helper


def _call(function: Callable[[imagekitio.ImageKit], T], *, timeout: float | None = None) -> T:
    """Run an SDK call, turning everything it raises into ImageKitError."""
    sdk = client(timeout)
    try:
        return function(sdk)
    except imagekitio.APIStatusError as exc:
        status = exc.status_code
        raise ImageKitError(
            _scrub(f"ImageKit answered {status}: {exc.message}"),
            transient=status >= 500 or status in {408, 409, 429},
            code=_CODES.get(status, "server_error" if status >= 500 else "imagekit_error"),
        ) from exc
    except imagekitio.APIConnectionError as exc:  # timeouts, refused or reset connections
        raise ImageKitError(
            _scrub(f"ImageKit {type(exc).__name__}: {exc}"), transient=True, code="unavailable"
        ) from exc
    except imagekitio.ImageKitError as exc:
        raise ImageKitError(_scrub(str(exc)), transient=False, code="imagekit_error") from exc


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "not_allowed",
    404: "not_found",
    429: "rate_limited",
}


def _scrub(message: str) -> str:
    """Error messages reach logs and admins; the private key must never be in them."""
    key = settings.IMAGEKIT_PRIVATE_KEY
    if key and len(key) >= 8:
        message = message.replace(key, "***")
    return message[:500]
