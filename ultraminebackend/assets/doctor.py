"""``storage_doctor``'s CDN half: round-trips a probe image through ImageKit when it is configured.

Upload into ``storage-doctor/``, load its delivery URL and a ``tr=`` thumbnail as a browser would,
delete it by ``fileId``. Each failing step says what to change; the probe never stays behind.
"""

import io
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress

from django.conf import settings
from PIL import Image

from ultraminebackend.files.operations.doctor import Result, StepFailed
from ultraminebackend.integrations import imagekit

PROBE_FOLDER = "storage-doctor"

# ImageKit's error codes (``ImageKitError.code``) → what to change.
FIXES = {
    "unauthorized": "ImageKit refused the private key: fix IMAGEKIT_PRIVATE_KEY",
    "not_allowed": "ImageKit refused the call: the key lacks permission, or the plan is exhausted",
    "unavailable": (
        "cannot reach ImageKit's API{base}: check the network path (DNS, firewall) or "
        "IMAGEKIT_API_BASE_URL"
    ),
    "rate_limited": "ImageKit is rate limiting this account: retry later",
    "server_error": "ImageKit answered with a server error: retry later",
}


def describe_imagekit() -> str:
    base = settings.IMAGEKIT_API_BASE_URL or "the ImageKit API"
    return f"ImageKit at {settings.IMAGEKIT_URL_ENDPOINT} (uploads through {base})"


def check_imagekit(*, timeout: float) -> Iterator[Result]:
    """Every step in order; after a failed upload the rest is skipped. Nothing when unconfigured."""
    if not imagekit.is_configured():
        return
    probe = _Probe(timeout=timeout)
    steps = (
        ("upload", probe.upload),
        ("delivery-url", probe.delivery),
        ("thumbnail-url", probe.thumbnail),
        ("delete", probe.delete),
    )
    try:
        for step, run in steps:
            if probe.stored is None and step != "upload":
                yield Result("imagekit", step, "skip")
                continue
            try:
                yield Result("imagekit", step, "ok", run())
            except StepFailed as exc:
                yield Result("imagekit", step, "FAIL", str(exc))
            except imagekit.ImageKitError as exc:
                yield Result("imagekit", step, "FAIL", _explain(exc))
    finally:
        probe.remove_leftover()


class _Probe:
    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self.stored: imagekit.ImageKitFile | None = None
        self.name = f"{secrets.token_hex(8)}.png"

    def upload(self) -> str:
        with io.BytesIO(_probe_png()) as file:
            self.stored = imagekit.upload(
                file=file, file_name=self.name, folder=PROBE_FOLDER, timeout=self.timeout
            )
        return self.stored.file_path

    def delivery(self) -> str:
        return self._expect_image(imagekit.delivery_url(self.stored.file_path), "the delivery URL")

    def thumbnail(self) -> str:
        url = imagekit.with_transformation(
            imagekit.delivery_url(self.stored.file_path), **imagekit.thumbnail_transformation()
        )
        return self._expect_image(url, "the thumbnail URL")

    def delete(self) -> str:
        imagekit.destroy(file_id=self.stored.file_id, timeout=self.timeout)
        self.stored = None
        return "gone"

    def remove_leftover(self) -> None:
        if self.stored is not None:  # a failure was reported by its step already
            with suppress(imagekit.ImageKitError):
                imagekit.destroy(file_id=self.stored.file_id, timeout=self.timeout)

    def _expect_image(self, url: str, what: str) -> str:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:  # noqa: S310
                content_type = answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise StepFailed(
                f"{what} {url} answered {exc.code}: IMAGEKIT_URL_ENDPOINT must be this "
                "account's URL endpoint (ImageKit dashboard, URL endpoints)"
            ) from exc
        except OSError as exc:
            raise StepFailed(f"cannot load {url}: {exc}") from exc
        if not content_type.startswith("image/"):
            raise StepFailed(
                f"{what} {url} serves {content_type or 'no content type'}, not an image"
            )
        return f"{url} ({content_type})"


def _probe_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#2e86de").save(out, "PNG")
    return out.getvalue()


def _explain(exc: imagekit.ImageKitError) -> str:
    base = settings.IMAGEKIT_API_BASE_URL
    template = FIXES.get(exc.code)
    if template is None:
        return exc.message
    return template.format(base=f" at {base}" if base else "")
