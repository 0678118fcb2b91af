"""The image-provider interface: the result type, the error hierarchy, aspect ratios, the chooser.

See docs/ai-providers.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from . import capabilities

# The seed's ratios (every model takes them): name → (width units, height units). What each
# model accepts beyond them is in ``capabilities.py``.
ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    name: capabilities.RATIOS[name] for name in capabilities.SEED_RATIOS
}
DEFAULT_ASPECT_RATIO = "1:1"

# AI_IMAGE_PROVIDER value → provider class (imported on use, so the SDK loads only when chosen).
PROVIDERS: dict[str, str] = {
    "gemini": "ai_agent.providers.gemini.GeminiProvider",
    "placeholder": "ai_agent.providers.placeholder.PlaceholderProvider",
}


@dataclass(frozen=True)
class Reference:
    """One reference image as sent to the provider."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ProviderImage:
    """One generated image: the bytes, what they are (read from the bytes) and who made them."""

    data: bytes
    mime_type: str
    width: int
    height: int
    model: str


# --- Errors -------------------------------------------------------------------------------------


class ProviderError(Exception):
    """A generation failed; ``code`` is stable, ``message`` is for people, never holds secrets.

    ``billable`` says whether the provider may have billed the call: it ran the model (an answer
    without an image, a safety stop, an image that does not decode) or may have (a timeout, a
    connection broken after the request was sent). Such failures count in the daily quota, or a
    user could make the provider work without limit (``services._take_quota``).
    """

    http_status: int = 502
    default_code: str = "provider_error"
    billable: bool = False

    def __init__(
        self,
        code: str | None = None,
        message: str = "",
        http_status: int | None = None,
        retry_after: int | None = None,
        billable: bool | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message or self.code
        if http_status is not None:
            self.http_status = http_status
        if billable is not None:
            self.billable = billable
        self.retry_after = retry_after
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ProviderBlocked(ProviderError):
    """The provider refused the prompt or withheld the image for safety/policy reasons (422)."""

    http_status = 422
    default_code = "blocked"
    billable = True  # the prompt was read, and an output stop means the model ran


class ProviderDeclined(ProviderError):
    """The model ran and said why it drew nothing (IMAGE_OTHER, NO_IMAGE …): rephrase (422)."""

    http_status = 422
    default_code = "declined"
    billable = True


class ProviderQuota(ProviderError):
    """The provider's quota or rate limit (429); ``retry_after`` in seconds when it said so."""

    http_status = 429
    default_code = "provider_quota"


class ProviderBadResponse(ProviderError):
    """The provider failed, was unreachable or answered something unusable (502)."""

    http_status = 502
    default_code = "provider_error"


class NoImage(ProviderBadResponse):
    """The provider answered without an image and without a safety reason (502)."""

    default_code = "no_image"
    billable = True  # the model ran and answered (text, or nothing): Gemini bills the tokens


class ProviderNotConfigured(ProviderError):
    """The chosen provider lacks its configuration, e.g. no GEMINI_API_KEY (503)."""

    http_status = 503
    default_code = "provider_not_configured"


class ProviderTimeout(ProviderError):
    """The provider did not answer within AI_TIMEOUT_S (504)."""

    http_status = 504
    default_code = "provider_timeout"
    billable = True  # the request was sent and may still run to completion on the provider


# --- Interface ----------------------------------------------------------------------------------


class ImageProvider(ABC):
    """Generates one image; implementations raise only ``ProviderError`` subclasses."""

    name: str
    model: str

    @classmethod
    @abstractmethod
    def from_settings(cls) -> ImageProvider:
        """Build from ``django.conf.settings``; ``ProviderNotConfigured`` when it cannot."""

    def capability_model(self) -> str:
        """The model whose row in ``capabilities.py`` the input must fit."""
        return self.model

    def generate(
        self,
        *,
        prompt: str,
        aspect_ratio: str,
        image_size: str | None = None,
        references: Sequence[Reference] = (),
        reference: bytes | None = None,
        reference_mime: str | None = None,
    ) -> ProviderImage:
        """Return the image for ``prompt`` (the exact text to send) in ``aspect_ratio``.

        ``reference``/``reference_mime`` is the one-reference form; it comes first. Input the
        model does not take is a caller's bug (``ValueError``), checked here for every provider.
        """
        model = self.capability_model()
        capabilities.check_supported(model, aspect_ratio=aspect_ratio, image_size=image_size)
        refs = all_references(references, reference, reference_mime)
        limit = capabilities.capabilities_for(model).max_references
        if len(refs) > limit:
            raise ValueError(f"{model} takes at most {limit} reference images, got {len(refs)}.")
        return self._generate(
            prompt=prompt, aspect_ratio=aspect_ratio, image_size=image_size, references=refs
        )

    @abstractmethod
    def _generate(
        self, *, prompt: str, aspect_ratio: str, image_size: str | None, references: list[Reference]
    ) -> ProviderImage:
        """Draw the checked request; ``references`` in order, the one-reference form first."""


def all_references(
    references: Sequence[Reference], reference: bytes | None, reference_mime: str | None
) -> list[Reference]:
    single = [Reference(reference, reference_mime or "image/jpeg")] if reference else []
    return [*single, *references]


def get_provider() -> ImageProvider:
    """The provider chosen by AI_IMAGE_PROVIDER (unset: Gemini when a key is set, else placeholder).

    Read from ``django.conf.settings`` on every call so tests and admins can switch it.
    """
    choice = (settings.AI_IMAGE_PROVIDER or "").strip().lower()
    if not choice:
        choice = "gemini" if settings.GEMINI_API_KEY else "placeholder"
    if choice not in PROVIDERS:
        raise ProviderNotConfigured(
            "provider_unknown",
            f"AI_IMAGE_PROVIDER={choice!r} is not a provider. Allowed: {', '.join(PROVIDERS)}.",
        )
    return import_string(PROVIDERS[choice]).from_settings()
