"""Fake Gemini, Cloudinary and ImageKit HTTP servers on 127.0.0.1, so tests exercise the real SDKs.

Point the SDKs at them through settings only (``GEMINI_BASE_URL``, ``CLOUDINARY_URL``;
``fake.configure(settings)`` for ImageKit).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import struct
import time
import urllib.request
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from testsupport.fakeserver import FakeResponse, FakeServer, RecordedRequest
from testsupport.files import image_bytes

_PIL_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


# --- Gemini -------------------------------------------------------------------------------------

_GENERATE_PATH = re.compile(r"^/(?P<version>v[^/]+)/models/(?P<model>[^/:]+):generateContent$")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeGeminiServer(FakeServer):
    """``POST /{version}/models/{model}:generateContent`` as the Gemini API answers it.

    Unscripted requests get one PNG image (``default_image``). Script others with ``enqueue`` and
    the builders below (``image``, ``blocked_prompt``, ``finished``, ``error``, ``hang``).
    Requests without the expected ``x-goog-api-key`` get Gemini's 400 "API key not valid".
    """

    def __init__(self, *, api_key: str = "test-gemini-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.default_image = image_bytes("PNG", (160, 90), color="#2e86de")

    @property
    def generate_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _GENERATE_PATH.match(urlsplit(r.path).path)]

    def respond(self, request: RecordedRequest) -> FakeResponse:
        match = _GENERATE_PATH.match(urlsplit(request.path).path)
        if request.method != "POST" or not match:
            return self.error(404, "Method not found.", status="NOT_FOUND")
        if request.headers.get("x-goog-api-key") != self.api_key:
            return self.error(
                400,
                "API key not valid. Please pass a valid API key.",
                status="INVALID_ARGUMENT",
                reason="API_KEY_INVALID",
            )
        return self._next_scripted() or self.image(self.default_image)

    # -- response builders --------------------------------------------------------------------
    @staticmethod
    def image(
        *images: bytes,
        thoughts: tuple[bytes, ...] = (),
        text: str | None = None,
        mime_type: str = "image/png",
        finish_reason: str = "STOP",
    ) -> FakeResponse:
        """A successful answer: thought images first (as Gemini 3 sends them), then ``images``."""
        parts: list[dict] = []
        for thought in thoughts:
            parts.append({"text": "Planning the composition.", "thought": True})
            parts.append(
                {"inlineData": {"mimeType": mime_type, "data": _b64(thought)}, "thought": True}
            )
        if text:
            parts.append({"text": text})
        for data in images:
            parts.append(
                {
                    "inlineData": {"mimeType": mime_type, "data": _b64(data)},
                    "thoughtSignature": _b64(b"sig"),
                }
            )
        return FakeResponse(body=_generate_body(parts=parts, finish_reason=finish_reason))

    @staticmethod
    def blocked_prompt(reason: str = "SAFETY") -> FakeResponse:
        """HTTP 200, no candidates, ``promptFeedback.blockReason``: how Gemini blocks input."""
        return FakeResponse(
            body={
                "promptFeedback": {
                    "blockReason": reason,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
                    ],
                },
                "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
                "modelVersion": "fake",
                "responseId": secrets.token_hex(8),
            }
        )

    @staticmethod
    def finished(reason: str, *, text: str | None = None) -> FakeResponse:
        """HTTP 200 whose candidate stopped for ``reason`` (IMAGE_SAFETY…) without an image."""
        parts = [{"text": text}] if text else []
        return FakeResponse(body=_generate_body(parts=parts, finish_reason=reason))

    @staticmethod
    def error(
        code: int,
        message: str,
        *,
        status: str = "INTERNAL",
        retry_after: str | None = None,
        retry_delay: str | None = None,
        reason: str | None = None,
    ) -> FakeResponse:
        """Google's error envelope; ``retry_delay`` ("37s") goes in a RetryInfo detail and
        ``reason`` in an ErrorInfo detail; ``retry_after`` is sent as the Retry-After header."""
        details: list[dict] = []
        if reason is not None:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": reason,
                    "domain": "googleapis.com",
                }
            )
        if retry_delay is not None:
            details.append(
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
            )
        error = {"code": code, "message": message, "status": status}
        if details:
            error["details"] = details
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return FakeResponse(status=code, body={"error": error}, headers=headers)

    @classmethod
    def hang(cls, seconds: float) -> FakeResponse:
        """Stall ``seconds`` before answering (with an image), to trip the client's timeout."""
        response = cls.image(image_bytes("PNG", (16, 16)))
        response.delay_s = seconds
        return response


def _generate_body(*, parts: list[dict], finish_reason: str) -> dict:
    candidate: dict = {"finishReason": finish_reason, "index": 0}
    if parts:
        candidate["content"] = {"role": "model", "parts": parts}
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290},
        "modelVersion": "fake",
        "responseId": secrets.token_hex(8),
    }


# --- Cloudinary ---------------------------------------------------------------------------------

_API_PATH = re.compile(r"^/v1_1/(?P<cloud>[^/]+)/(?P<rtype>[a-z]+)/(?P<action>upload|destroy)$")
# Delivery URLs, with or without transformation segments (``/upload/q_auto/v123/…``); the fake
# serves the stored original whatever the transformation asks.
_DELIVERY_PATH = re.compile(
    r"^/(?P<cloud>[^/]+)/(?P<rtype>[a-z]+)/upload/(?:[^/]+/)*?v\d+/(?P<rest>.+)$"
)
_CONTENT_RANGE = re.compile(r"^bytes (?P<first>\d+)-(?P<last>\d+)/(?P<total>\d+)$")
# Parameters Cloudinary leaves out of the signature.
_UNSIGNED = {"file", "api_key", "signature", "resource_type", "cloud_name"}
_VIDEO_CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}


class _CdnFake(FakeServer):
    """What the CDN fakes share: scripted upload failures and hangs in the CDN's error JSON."""

    def __init__(self) -> None:
        super().__init__()
        self._uploads_before_failing: int | None = None
        self._failure = FakeResponse()

    @staticmethod
    def error_body(message: str) -> dict:
        raise NotImplementedError

    def fail_uploads(self, *, after: int = 0, status: int = 500, message: str = "Server error"):
        """Uploads fail from now on, once ``after`` more have started (deletes keep working).

        Counted per upload, not per request: the chunks of an upload under way still pass.
        """
        with self._lock:
            self._uploads_before_failing = after
            self._failure = FakeResponse(status=status, body=self.error_body(message))

    def hang_next(self, seconds: float) -> None:
        self.enqueue(FakeResponse(status=500, body=self.error_body("late"), delay_s=seconds))

    def _upload_fails(self) -> bool:
        with self._lock:
            if self._uploads_before_failing is None:
                return False
            if self._uploads_before_failing > 0:
                self._uploads_before_failing -= 1
                return False
            return True


@dataclass
class StoredAsset:
    public_id: str
    resource_type: str
    format: str
    version: int
    data: bytes
    params: dict[str, str]
    duration: float | None = None
    chunks: int = 1  # how many requests carried it (chunked uploads send several)


@dataclass
class _Media:
    """What the fake makes of uploaded bytes: the kind, the stored bytes and what it reports."""

    resource_type: str
    format: str
    data: bytes
    width: int | None
    height: int | None
    duration: float | None = None


class FakeCloudinaryServer(_CdnFake):
    """Cloudinary's Upload API (``upload``/``destroy`` per resource type) plus delivery.

    Uploads are checked against the signature Cloudinary expects and stored: images (converted to
    the requested ``format`` with Pillow, as Cloudinary does) and videos (MP4, QuickTime, WebM,
    whose duration and size are read from the container). ``resource_type`` ``image`` takes images
    only, ``video`` videos only, ``auto`` either, as Cloudinary decides from the bytes. Chunked
    uploads (``Content-Range`` and ``X-Unique-Upload-Id``, what the SDK's ``upload_large`` sends)
    are assembled before they are stored. Assets are served back at ``secure_url``.
    ``fail_next``, ``fail_uploads`` and ``hang_next`` script failures; ``assets`` holds what is
    stored and ``destroyed`` what was deleted (``(resource_type, public_id)``).
    """

    @staticmethod
    def error_body(message: str) -> dict:
        return {"error": {"message": message}}

    def __init__(
        self,
        *,
        cloud_name: str = "ultramine-test",
        api_key: str = "123456789012345",
        api_secret: str = "fake-api-secret",  # noqa: S107 - a fake's test credential
    ) -> None:
        super().__init__()
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = api_secret
        self.assets: dict[str, StoredAsset] = {}
        self.destroyed: list[tuple[str, str]] = []
        self._chunks: dict[str, tuple[bytearray, int]] = {}  # upload id → (bytes so far, count)

    @property
    def cloudinary_url(self) -> str:
        return (
            f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}"
            f"?upload_prefix={self.url}"
        )

    @property
    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _API_PATH.match(urlsplit(r.path).path)]

    @property
    def upload_requests(self) -> list[RecordedRequest]:
        return [r for r in self.api_requests if urlsplit(r.path).path.endswith("/upload")]

    def fail_next(
        self, status: int = 500, message: str = "Server error", *, raw: bytes | None = None
    ) -> None:
        """The next API call answers ``status`` with Cloudinary's error JSON (or ``raw`` bytes)."""
        body = raw if raw is not None else {"error": {"message": message}}
        self.enqueue(FakeResponse(status=status, body=body))

    def fetch(self, url: str) -> bytes:
        """GET an asset's URL from this server (what a browser loading ``secure_url`` gets)."""
        if not url.startswith(self.url):
            raise ValueError(f"{url} is not served by this fake")
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.read()

    # -- routing ------------------------------------------------------------------------------
    def respond(self, request: RecordedRequest) -> FakeResponse:
        path = urlsplit(request.path).path
        if request.method == "GET" and (match := _DELIVERY_PATH.match(path)):
            return self._deliver(match["rtype"], match["rest"])
        match = _API_PATH.match(path)
        if request.method != "POST" or not match:
            return FakeResponse(status=404, body={"error": {"message": "Not found"}})
        scripted = self._next_scripted()
        if scripted is not None:
            return scripted
        if match["cloud"] != self.cloud_name:
            return _cloudinary_error(401, f"Invalid cloud_name {match['cloud']}")
        params, file = _parse_form(request)
        if params.get("api_key") != self.api_key:
            return _cloudinary_error(401, f"Unknown API key {params.get('api_key')}")
        if params.get("signature") != self._signature(params):
            return _cloudinary_error(401, "Invalid Signature")
        if match["action"] == "destroy":
            return self._destroy(match["rtype"], params)
        content_range = _CONTENT_RANGE.match(request.headers.get("content-range", ""))
        starts_an_upload = content_range is None or content_range["first"] == "0"
        if starts_an_upload and self._upload_fails():
            return self._failure
        return self._receive(match["rtype"], params, file, content_range, request.headers)

    def _signature(self, params: dict[str, str]) -> str:
        from cloudinary.utils import api_sign_request

        signed = {k: v for k, v in params.items() if k not in _UNSIGNED}
        return api_sign_request(signed, self.api_secret)

    def _receive(
        self,
        rtype: str,
        params: dict[str, str],
        file: bytes | str | None,
        content_range: re.Match | None,
        headers: dict[str, str],
    ) -> FakeResponse:
        """A whole upload, or one chunk of a chunked one (stored when the last chunk arrives)."""
        if content_range is None:
            return self._upload(rtype, params, file)
        if not isinstance(file, bytes):
            return _cloudinary_error(400, "Chunked uploads carry file bytes")
        upload_id = headers.get("x-unique-upload-id", "")
        with self._lock:
            received, count = self._chunks.pop(upload_id, (bytearray(), 0))
            if int(content_range["first"]) != len(received):
                return _cloudinary_error(400, "Chunk out of order")
            received += file
            if int(content_range["last"]) + 1 < int(content_range["total"]):
                self._chunks[upload_id] = (received, count + 1)
                # Fields not known before the last chunk are left out, as Cloudinary does.
                return FakeResponse(body={"done": False, "bytes": len(received)})
        return self._upload(rtype, params, bytes(received), chunks=count + 1)

    def _upload(
        self, rtype: str, params: dict[str, str], file: bytes | str | None, *, chunks: int = 1
    ) -> FakeResponse:
        if file is None:
            return _cloudinary_error(400, "Missing required parameter - file")
        if isinstance(file, str):
            file = self._load_remote(file)
            if file is None:
                return _cloudinary_error(400, "Error in loading remote file")
        if rtype not in {"image", "video", "auto"}:
            return _cloudinary_error(400, f"Unsupported resource type {rtype} in this fake")
        media = _read_image(file, params.get("format")) if rtype != "video" else None
        if media is None and rtype != "image":
            media = _read_video(file)
        if media is None:
            kind = "image" if rtype == "image" else "video"
            return _cloudinary_error(400, f"Invalid {kind} file")

        name = params.get("public_id") or secrets.token_hex(10)
        public_id = f"{params['folder'].strip('/')}/{name}" if params.get("folder") else name
        version = int(time.time()) + len(self.assets)
        self.assets[public_id] = StoredAsset(
            public_id=public_id,
            resource_type=media.resource_type,
            format=media.format,
            version=version,
            data=media.data,
            params=params,
            duration=media.duration,
            chunks=chunks,
        )
        delivery = (
            f"{self.cloud_name}/{media.resource_type}/upload/v{version}/{public_id}.{media.format}"
        )
        body = {
            "asset_id": secrets.token_hex(16),
            "public_id": public_id,
            "version": version,
            "version_id": secrets.token_hex(16),
            "signature": hashlib.sha1(media.data).hexdigest(),  # noqa: S324 - not security
            "width": media.width,
            "height": media.height,
            "format": media.format,
            "resource_type": media.resource_type,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "tags": [],
            "bytes": len(media.data),
            "type": "upload",
            "etag": hashlib.md5(media.data).hexdigest(),  # noqa: S324 - not security
            "placeholder": False,
            "url": f"{self.url}/{delivery}",
            "secure_url": f"{self.url}/{delivery}",
            "asset_folder": params.get("folder", ""),
            "display_name": name,
            "original_filename": "file",
            "api_key": self.api_key,
        }
        if media.resource_type == "video":
            body |= {"duration": media.duration, "is_audio": False, "playback_url": body["url"]}
            if body["width"] is None:
                del body["width"], body["height"]
        return FakeResponse(body=body)

    def _destroy(self, rtype: str, params: dict[str, str]) -> FakeResponse:
        public_id = params.get("public_id", "")
        asset = self.assets.get(public_id)
        if asset is None or asset.resource_type != rtype:  # Cloudinary looks per resource type
            return FakeResponse(body={"result": "not found"})
        del self.assets[public_id]
        self.destroyed.append((rtype, public_id))
        return FakeResponse(body={"result": "ok"})

    def _deliver(self, rtype: str, rest: str) -> FakeResponse:
        public_id, _, fmt = rest.rpartition(".")
        asset = self.assets.get(public_id)
        if asset is None or asset.format != fmt or asset.resource_type != rtype:
            return FakeResponse(status=404, body=b"Resource not found")
        content_type = _CONTENT_TYPES.get(fmt) or _VIDEO_CONTENT_TYPES.get(fmt, "image/jpeg")
        return FakeResponse(body=asset.data, headers={"Content-Type": content_type})

    def _load_remote(self, url: str) -> bytes | None:
        """Cloudinary fetches remote URLs itself; this fake fetches only loopback and data URIs."""
        if url.startswith("data:"):
            return base64.b64decode(url.partition(",")[2])
        if urlsplit(url).hostname not in {"127.0.0.1", "localhost"}:
            return None
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                return response.read()
        except OSError:  # 404 and refused connections: Cloudinary's "Error in loading"
            return None


def _read_image(data: bytes, fmt: str | None) -> _Media | None:
    """An image, converted to ``fmt`` when asked (as Cloudinary's ``format`` does)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            detected = (image.format or "").lower().replace("jpeg", "jpg")
            fmt = (fmt or detected).lower()
            if fmt != detected:
                out = io.BytesIO()
                converted = image.convert("RGB") if fmt in {"jpg", "jpeg"} else image
                converted.save(out, _PIL_FORMATS[fmt])
                data = out.getvalue()
            return _Media("image", fmt, data, *image.size)
    except (OSError, KeyError, ValueError):
        return None


def _read_video(data: bytes) -> _Media | None:
    """MP4/QuickTime (``mvhd`` duration, ``tkhd`` size) or WebM (``Duration``, default scale).

    A plain byte search, not a container parser: enough for the containers tests build.
    """
    if data[4:8] == b"ftyp":
        fmt = "mov" if data[8:12] == b"qt  " else "mp4"
        width = height = duration = None
        if (at := data.find(b"mvhd")) > 0:
            if data[at + 4] == 1:
                timescale, length = struct.unpack(">IQ", data[at + 24 : at + 36])
            else:
                timescale, length = struct.unpack(">II", data[at + 16 : at + 24])
            duration = round(length / timescale, 3) if timescale else None
        if (at := data.find(b"tkhd")) > 0 and data[at + 4] == 0:
            width, height = (v >> 16 for v in struct.unpack(">II", data[at + 80 : at + 88]))
        return _Media("video", fmt, data, width, height, duration)
    if data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]:
        duration = None
        if (at := data.find(b"\x44\x89")) > 0:
            size_byte = data[at + 2]
            skip = 8 - size_byte.bit_length() + 1  # length of the size vint
            value = data[at + 2 + skip : at + 2 + skip + 8]
            if len(value) >= 8:
                duration = round(struct.unpack(">d", value[:8])[0] / 1000, 3)
        return _Media("video", "webm", data, None, None, duration)
    return None


def _cloudinary_error(status: int, message: str) -> FakeResponse:
    return FakeResponse(status=status, body={"error": {"message": message}})


def _parse_form(request: RecordedRequest) -> tuple[dict[str, str], bytes | str | None]:
    """multipart/form-data (or urlencoded) → (text fields, the ``file`` field)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        return fields, fields.pop("file", None)
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body
    )
    fields: dict[str, str] = {}
    file: bytes | str | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if name == "file":
            file = data if part.get_filename() else data.decode()
        else:
            fields[name] = data.decode()
    return fields, file


# --- ImageKit -----------------------------------------------------------------------------------

_IK_UPLOAD_PATH = "/api/v1/files/upload"
_IK_FILE_PATH = re.compile(r"^/v1/files/(?P<file_id>[^/]+)$")
_IK_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}


@dataclass
class ImageKitFile:
    file_id: str
    file_path: str  # "/auto/3f2a….jpg"
    file_type: str  # "image" or "non-image"
    data: bytes
    params: dict[str, str]
    width: int | None = None
    height: int | None = None


class FakeImageKitServer(_CdnFake):
    """ImageKit's upload and file APIs (``POST /api/v1/files/upload``, ``DELETE /v1/files/{id}``)
    plus delivery under ``url_endpoint``, for the real ``imagekitio`` SDK.

    The SDK reaches it through its ``base_url`` (``IMAGEKIT_API_BASE_URL=fake.url``). Requests must
    carry the private key as Basic auth. Uploads take file bytes, apply a pre-transformation's
    ``f-<format>`` with Pillow, and answer ImageKit's JSON; delivery applies
    ``?tr=w-…,h-…,c-at_max,f-webp`` and ``q-…``.
    ``fail_next``, ``fail_uploads`` and ``hang_next`` script failures; ``files`` holds what is
    stored (by file path) and ``deleted`` the ``fileId`` of every delete.
    """

    @staticmethod
    def error_body(message: str) -> dict:
        return _imagekit_error(message)

    def __init__(
        self,
        *,
        private_key: str = "private_fake_imagekit_key",
        endpoint_id: str = "ultramine-test",
    ) -> None:
        super().__init__()
        self.private_key = private_key
        self.endpoint_id = endpoint_id
        self.files: dict[str, ImageKitFile] = {}
        self.deleted: list[str] = []

    @property
    def url_endpoint(self) -> str:
        return f"{self.url}/{self.endpoint_id}"

    def configure(self, settings) -> None:
        """Point the project's ImageKit settings at this fake."""
        settings.IMAGEKIT_PRIVATE_KEY = self.private_key
        settings.IMAGEKIT_PUBLIC_KEY = "public_fake_imagekit_key"
        settings.IMAGEKIT_URL_ENDPOINT = self.url_endpoint
        settings.IMAGEKIT_API_BASE_URL = self.url

    @property
    def upload_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if urlsplit(r.path).path == _IK_UPLOAD_PATH]

    def by_id(self, file_id: str) -> ImageKitFile | None:
        return next((f for f in self.files.values() if f.file_id == file_id), None)

    def fail_next(self, status: int = 500, message: str = "Internal server error") -> None:
        """The next API call answers ``status`` with ImageKit's error JSON."""
        self.enqueue(FakeResponse(status=status, body=_imagekit_error(message)))

    def fetch(self, url: str) -> tuple[bytes, str]:
        """GET a delivery URL from this server: its bytes and content type."""
        if not url.startswith(self.url):
            raise ValueError(f"{url} is not served by this fake")
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.read(), response.headers.get("Content-Type", "")

    # -- routing ------------------------------------------------------------------------------
    def respond(self, request: RecordedRequest) -> FakeResponse:
        parts = urlsplit(request.path)
        prefix = f"/{self.endpoint_id}/"
        if request.method == "GET" and parts.path.startswith(prefix):
            return self._deliver(parts.path[len(prefix) - 1 :], parse_qs(parts.query))
        is_upload = request.method == "POST" and parts.path == _IK_UPLOAD_PATH
        delete = _IK_FILE_PATH.match(parts.path) if request.method == "DELETE" else None
        if not (is_upload or delete):
            return FakeResponse(status=404, body=_imagekit_error("Not found"))
        scripted = self._next_scripted()
        if scripted is not None:
            return scripted
        if not self._authorised(request.headers.get("authorization", "")):
            return FakeResponse(
                status=401, body=_imagekit_error("Your request does not contain private API key.")
            )
        if delete:
            return self._delete(delete["file_id"])
        if self._upload_fails():
            return self._failure
        params, file = _parse_form(request)
        return self._upload(params, file)

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme != "Basic":
            return False
        user = base64.b64decode(encoded).decode(errors="replace").partition(":")[0]
        return user == self.private_key

    def _upload(self, params: dict[str, str], file: bytes | str | None) -> FakeResponse:
        if file is None or not params.get("fileName"):
            return FakeResponse(status=400, body=_imagekit_error("Missing file or fileName"))
        if isinstance(file, str):  # the SDK uploads no URL; ImageKit's base64 strings neither
            return FakeResponse(status=400, body=_imagekit_error("This fake takes file bytes"))
        pre = json.loads(params.get("transformation") or "{}").get("pre", "")
        target = re.search(r"(?:^|,)f-(\w+)", pre)
        media = _read_image(file, target[1] if target else None) or _read_video(file)
        if media is None:
            return FakeResponse(status=400, body=_imagekit_error("Unsupported file type"))
        name = params["fileName"]
        if params.get("useUniqueFileName", "true") == "true":
            stem, dot, ext = name.rpartition(".")
            name = (
                f"{stem}_{secrets.token_hex(4)}{dot}{ext}"
                if dot
                else f"{name}_{secrets.token_hex(4)}"
            )
        folder = params.get("folder", "/").strip("/")
        file_path = f"/{folder}/{name}" if folder else f"/{name}"
        is_image = media.resource_type == "image"
        stored = ImageKitFile(
            file_id=secrets.token_hex(12),
            file_path=file_path,
            file_type="image" if is_image else "non-image",
            data=media.data,
            params=params,
            width=media.width,
            height=media.height,
        )
        self.files[file_path] = stored
        url = f"{self.url_endpoint}{file_path}"
        body: dict = {
            "fileId": stored.file_id,
            "name": name,
            "size": len(media.data),
            "versionInfo": {"id": stored.file_id, "name": "Version 1"},
            "filePath": file_path,
            "url": url,
            "fileType": stored.file_type,
            "AITags": None,
            "description": None,
        }
        if is_image:
            body |= {
                "height": media.height,
                "width": media.width,
                "thumbnailUrl": f"{self.url_endpoint}/tr:n-ik_ml_thumbnail{file_path}",
            }
        else:
            body |= {"duration": round(media.duration) if media.duration else None}
            if media.width:
                body |= {"width": media.width, "height": media.height}
        return FakeResponse(body=body)

    def _delete(self, file_id: str) -> FakeResponse:
        stored = self.by_id(file_id)
        if stored is None:
            return FakeResponse(
                status=404, body=_imagekit_error("The requested file does not exist.")
            )
        del self.files[stored.file_path]
        self.deleted.append(file_id)
        return FakeResponse(status=204)

    def _deliver(self, file_path: str, query: dict[str, list[str]]) -> FakeResponse:
        stored = self.files.get(file_path)
        if stored is None:
            return FakeResponse(status=404, body=b"Not found")
        ext = file_path.rpartition(".")[2].lower()
        transformation = dict(
            step.split("-", 1) for step in (query.get("tr") or [""])[0].split(",") if "-" in step
        )
        if stored.file_type != "image" or not transformation:
            content_type = _CONTENT_TYPES.get(ext) or _VIDEO_CONTENT_TYPES.get(ext, "image/jpeg")
            return FakeResponse(body=stored.data, headers={"Content-Type": content_type})
        with Image.open(io.BytesIO(stored.data)) as image:
            image.load()
            fmt = transformation.get("f") or (image.format or "jpeg").lower().replace("jpeg", "jpg")
            if "w" in transformation or "h" in transformation:
                image.thumbnail(  # c-at_max: fit within, never upscaled
                    (
                        int(transformation.get("w", image.width)),
                        int(transformation.get("h", image.height)),
                    )
                )
            out = io.BytesIO()
            converted = image.convert("RGB") if fmt == "jpg" else image
            converted.save(out, _IK_FORMATS[fmt], quality=int(transformation.get("q", 80)))
        return FakeResponse(body=out.getvalue(), headers={"Content-Type": _CONTENT_TYPES[fmt]})


def _imagekit_error(message: str) -> dict:
    return {"message": message, "help": "For support kindly contact us at support@imagekit.io ."}
