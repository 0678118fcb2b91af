"""Gemini image generation through the google-genai SDK, with every failure mapped to our errors.

What the SDK does and what we do about it: docs/ai-providers.md.
"""

from __future__ import annotations

import email.utils
import functools
import io
import json
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx2
from django.conf import settings
from google import genai
from google.genai import errors, types
from PIL import Image
from pydantic import ValidationError

from . import base

try:  # the SDK can be switched to plain httpx; map its exceptions too when it is installed
    import httpx
except ImportError:  # pragma: no cover - httpx2 is the SDK's default and our pinned dependency
    httpx = None

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/"
API_VERSION = "v1beta"
# TEXT too: when the model declines, its text says why, and we put it in the error message.
RESPONSE_MODALITIES = ["TEXT", "IMAGE"]

_HTTP_MODULES = tuple(m for m in (httpx2, httpx) if m is not None)
TIMEOUT_ERRORS = tuple(m.TimeoutException for m in _HTTP_MODULES)
CONNECT_ERRORS = tuple(m.ConnectError for m in _HTTP_MODULES)
TRANSPORT_ERRORS = tuple(m.TransportError for m in _HTTP_MODULES)

# --- Retries (all within one AI_TIMEOUT_S deadline) -------------------------------------------
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 3
BACKOFF_S = (1.0, 2.0)  # before the 2nd and 3rd attempt when the server gives no Retry-After
# A longer wait (a quota window) is answered as 429 with Retry-After instead of holding a worker.
MAX_RETRY_WAIT_S = 5.0
# An image takes seconds to generate: no retry is started with less time than this left.
MIN_ATTEMPT_S = 5.0

# --- Error mapping tables ---------------------------------------------------------------------
# HTTP status → (error class, code) for the statuses that mean something specific here.
STATUS_ERRORS: dict[int, tuple[type[base.ProviderError], str]] = {
    400: (base.ProviderBadResponse, "provider_bad_request"),
    401: (base.ProviderBadResponse, "provider_auth"),
    403: (base.ProviderBadResponse, "provider_auth"),
    404: (base.ProviderBadResponse, "provider_model_not_found"),
    429: (base.ProviderQuota, "provider_quota"),
}
# Gemini answers a wrong key with 400 INVALID_ARGUMENT; its ErrorInfo reason tells them apart.
AUTH_ERROR_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED"})
# Finish reasons that mean "withheld on policy grounds": the same prompt will fail again, so
# they are the client's problem (422). Any other reason without an image is a 502 (base.NoImage).
BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "IMAGE_SAFETY",
        "PROHIBITED_CONTENT",
        "IMAGE_PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",  # Vertex's Model Armor screened the answer
        "ESCALATION",  # an escalation rule filtered the request
    }
)
# Finish reasons (types.FinishReason, SDK 3.6.1) where the model ran and says why it drew nothing:
# the same prompt would do the same, so the client rephrases (422, ``output_<reason>``).
DECLINING_FINISH_REASONS = frozenset({"IMAGE_OTHER", "NO_IMAGE", "LANGUAGE"})
# Finish reasons after which a missing image is plain "no image" rather than a named reason.
PLAIN_NO_IMAGE_REASONS = frozenset({"STOP", "FINISH_REASON_UNSPECIFIED", ""})
MAX_MESSAGE_CHARS = 300


@functools.lru_cache(maxsize=4)
def _client(api_key: str, base_url: str, timeout_s: float) -> genai.Client:
    """One SDK client per configuration and process, shared by every call and thread.

    Building one loads the CA bundle into two SSL contexts: most of what a generation added to
    the provider's own time (bench/README.md). Its HTTP client is thread-safe and keeps alive.
    """
    return genai.Client(
        vertexai=False,  # explicit, so GOOGLE_GENAI_USE_VERTEXAI in the env cannot switch it
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=base_url,
            api_version=API_VERSION,
            timeout=_milliseconds(timeout_s),
            # retry_options stays unset: the SDK then makes one attempt; _call retries.
        ),
    )


class GeminiProvider(base.ImageProvider):
    """``models.generate_content`` on a Gemini image model (default ``gemini-3-pro-image``)."""

    name = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str = "",
        timeout_s: float = 60,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key = api_key
        self.model = model
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout_s = float(timeout_s)
        # The deadline's clock and the back-off's sleep: tests pass a fake pair, not wall time.
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:  # never the key
        return f"GeminiProvider(model={self.model!r}, base_url={self.base_url!r})"

    @classmethod
    def from_settings(cls) -> GeminiProvider:
        if not settings.GEMINI_API_KEY:
            raise base.ProviderNotConfigured(
                "provider_not_configured", "Gemini is selected but GEMINI_API_KEY is not set."
            )
        return cls(
            api_key=settings.GEMINI_API_KEY,
            model=settings.GEMINI_IMAGE_MODEL,
            # Always explicit: otherwise the SDK would read GOOGLE_GEMINI_BASE_URL itself.
            base_url=settings.GEMINI_BASE_URL or DEFAULT_BASE_URL,
            timeout_s=settings.AI_TIMEOUT_S,
        )

    # -- the call -----------------------------------------------------------------------------
    def _generate(
        self,
        *,
        prompt: str,
        aspect_ratio: str,
        image_size: str | None,
        references: list[base.Reference],
    ) -> base.ProviderImage:
        contents: list[str | types.Part] = [prompt]
        for ref in references:
            contents.append(types.Part.from_bytes(data=ref.data, mime_type=ref.mime_type))
        config = types.GenerateContentConfig(
            response_modalities=RESPONSE_MODALITIES,
            # image_size stays unset (None) when not asked: the SDK then leaves it out of the JSON.
            image_config=types.ImageConfig(aspect_ratio=aspect_ratio, image_size=image_size),
            # No tools are declared; this also silences the SDK's per-call "AFC is enabled" log.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        deadline = self._clock() + self.timeout_s
        client = _client(self._api_key, self.base_url, self.timeout_s)
        response = self._call(client=client, contents=contents, config=config, deadline=deadline)
        return self._image_from(response)

    def _call(
        self,
        *,
        client: genai.Client,
        contents: list[str | types.Part],
        config: types.GenerateContentConfig,
        deadline: float,
    ) -> types.GenerateContentResponse:
        """generate_content with retries on 429/5xx/refused connections, never past ``deadline``.

        Each attempt gets only the time left, so a hang costs AI_TIMEOUT_S once (gunicorn's
        worker timeout is larger); a timeout is not retried because the budget is spent.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = deadline - self._clock()
            per_attempt = config.model_copy(
                update={"http_options": types.HttpOptions(timeout=_milliseconds(remaining))}
            )
            try:
                return client.models.generate_content(
                    model=self.model, contents=contents, config=per_attempt
                )
            except errors.APIError as exc:
                error, wait = self._api_error(exc), _retry_hint(exc)
                retryable = exc.code in RETRY_STATUSES
                cause: Exception = exc
            except TIMEOUT_ERRORS as exc:
                raise base.ProviderTimeout(
                    "provider_timeout", f"Gemini did not answer within {self.timeout_s:g} s."
                ) from exc
            except CONNECT_ERRORS as exc:  # nothing reached Gemini, so a retry is safe
                error = base.ProviderBadResponse(
                    "provider_unreachable", f"Could not connect to Gemini: {type(exc).__name__}."
                )
                wait, retryable, cause = None, True, exc
            except TRANSPORT_ERRORS as exc:  # the request may have run (and been billed): no retry
                raise base.ProviderBadResponse(
                    "provider_unreachable",
                    f"The connection to Gemini failed: {type(exc).__name__}.",
                    billable=True,
                ) from exc
            except (errors.UnknownApiResponseError, json.JSONDecodeError, ValidationError) as exc:
                # A 200 that is not JSON (a proxy's page) or not shaped like an answer.
                raise base.ProviderBadResponse(
                    "provider_bad_response",
                    "Gemini answered with something that is not an answer.",
                    billable=True,  # a 200 came back: the model may have run
                ) from exc

            if wait is None:
                wait = BACKOFF_S[min(attempt, len(BACKOFF_S)) - 1]
            if (
                not retryable
                or attempt == MAX_ATTEMPTS
                or wait > MAX_RETRY_WAIT_S
                or self._clock() + wait + MIN_ATTEMPT_S > deadline
            ):
                raise error from cause
            logger.info(
                "Gemini attempt %d failed (%s); retrying in %.1f s", attempt, error.code, wait
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _api_error(self, exc: errors.APIError) -> base.ProviderError:
        status = exc.code or 0
        error_cls, code = STATUS_ERRORS.get(
            status,
            (
                base.ProviderBadResponse,
                "provider_unavailable" if status >= 500 else "provider_error",
            ),
        )
        if status == 400 and _error_reasons(exc) & AUTH_ERROR_REASONS:
            code = "provider_auth"
        hint = _retry_hint(exc)
        message = self._scrub(f"Gemini answered {status} {exc.status or ''}: {exc.message or ''}")
        return error_cls(
            code,
            message,
            retry_after=math.ceil(hint) if hint is not None and status == 429 else None,
        )

    # -- the answer ---------------------------------------------------------------------------
    def _image_from(self, response: types.GenerateContentResponse) -> base.ProviderImage:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason:
            reason = _name(feedback.block_reason)
            raise base.ProviderBlocked(
                f"prompt_blocked_{reason.lower()}", f"Gemini blocked the prompt ({reason})."
            )
        if not response.candidates:
            raise base.NoImage("no_image", "Gemini answered without a candidate.")
        candidate = response.candidates[0]
        reason = _name(candidate.finish_reason)
        parts = (candidate.content.parts if candidate.content else None) or []
        said = self._scrub(" ".join(p.text for p in parts if p.text and not p.thought).strip())
        if reason in BLOCKING_FINISH_REASONS:
            # Checked before looking for an image: a safety stop never delivers what it withheld.
            raise base.ProviderBlocked(
                f"output_blocked_{reason.lower()}",
                _join(f"Gemini withheld the image ({reason}).", said),
            )
        # Gemini 3 sends up to two draft images marked ``thought`` before the final one.
        images = [
            p.inline_data
            for p in parts
            if p.inline_data is not None
            and p.inline_data.data
            and (p.inline_data.mime_type or "").startswith("image/")
            and not p.thought
        ]
        if not images and reason in DECLINING_FINISH_REASONS:
            raise base.ProviderDeclined(
                f"output_{reason.lower()}", _join(f"Gemini drew no image ({reason}).", said)
            )
        if not images:
            code = "no_image" if reason in PLAIN_NO_IMAGE_REASONS else f"no_image_{reason.lower()}"
            raise base.NoImage(code, _join(f"Gemini answered without an image ({reason}).", said))
        return self._decode(images[-1].data)

    def _decode(self, data: bytes) -> base.ProviderImage:
        """Width, height and type are read from the bytes, not taken from the declared MIME type."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height, fmt = image.width, image.height, image.format
                # verify() catches truncated or corrupt data before anything stores it.
                image.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise base.ProviderBadResponse(
                "provider_bad_image",
                f"Gemini returned image data that does not decode ({type(exc).__name__}).",
                billable=True,
            ) from exc
        return base.ProviderImage(
            data=data,
            mime_type=Image.MIME.get(fmt or "", "application/octet-stream"),
            width=width,
            height=height,
            model=self.model,
        )

    def _scrub(self, text: str) -> str:
        """Messages end up in logs and API responses; the key must never be in them."""
        if self._api_key:
            text = text.replace(self._api_key, "***")
        return text[:MAX_MESSAGE_CHARS]


# --- helpers ------------------------------------------------------------------------------------


def _milliseconds(seconds: float) -> int:
    # HttpOptions.timeout is in milliseconds; 0/None would mean "wait forever", so at least 1 s.
    return max(1000, int(seconds * 1000))


def _name(value: object) -> str:
    """An SDK enum (or the raw string the SDK keeps for values it does not know) as its name."""
    if value is None:
        return ""
    return str(getattr(value, "value", value)).upper()


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip() if second else first


def _error_reasons(exc: errors.APIError) -> set[str]:
    details = exc.details.get("error", exc.details) if isinstance(exc.details, dict) else {}
    return {d.get("reason", "") for d in details.get("details", []) or [] if isinstance(d, dict)}


_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _retry_hint(exc: errors.APIError) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or HTTP date) or a RetryInfo detail."""
    headers = getattr(exc.response, "headers", None) or {}
    raw = headers.get("retry-after") if hasattr(headers, "get") else None
    if raw:
        raw = raw.strip()
        if raw.isascii() and raw.isdigit():  # "²".isdigit() is true too
            return float(raw)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    details = exc.details.get("error", exc.details) if isinstance(exc.details, dict) else {}
    for detail in details.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None
