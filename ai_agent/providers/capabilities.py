"""What each Gemini image model accepts: aspect ratios, image sizes, how many reference images.

One table, read by the request serializer (what a 400 lists), both providers (the placeholder
draws what the model would) and the schema. Sources and the date they were read:
``docs/gemini-image-models.md``. A model missing here gets ``CONSERVATIVE``: the seed's five
ratios, no ``image_size``, one reference, which every Gemini image model accepts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

# Every ratio any model here accepts: name → (width units, height units).
RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1, 1),
    "2:3": (2, 3),
    "3:2": (3, 2),
    "3:4": (3, 4),
    "4:3": (4, 3),
    "4:5": (4, 5),
    "5:4": (5, 4),
    "9:16": (9, 16),
    "16:9": (16, 9),
    "21:9": (21, 9),
    "1:4": (1, 4),
    "4:1": (4, 1),
    "1:8": (1, 8),
    "8:1": (8, 1),
}
# The seed's ratios: what every model takes, and what a reference's shape picks by default.
SEED_RATIOS: tuple[str, ...] = ("1:1", "16:9", "9:16", "4:3", "3:4")
# ImageConfig.image_size value → pixels on the long side (Google's "1K ~ 1024 px" and so on).
IMAGE_SIZES: dict[str, int] = {"512": 512, "1K": 1024, "2K": 2048, "4K": 4096}
# The long side when no image_size is sent: Gemini's default is 1K.
DEFAULT_LONG_SIDE = IMAGE_SIZES["1K"]

_STANDARD = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
_EXTREME = ("1:4", "4:1", "1:8", "8:1")


@dataclass(frozen=True)
class ModelCapabilities:
    ratios: tuple[str, ...]
    image_sizes: tuple[str, ...]  # empty: the model takes no image_size
    max_references: int


_PRO = ModelCapabilities(_STANDARD, ("1K", "2K", "4K"), 14)
_FLASH_31 = ModelCapabilities(_STANDARD + _EXTREME, ("512", "1K", "2K", "4K"), 14)

MODELS: dict[str, ModelCapabilities] = {
    "gemini-3-pro-image": _PRO,
    "gemini-3-pro-image-preview": _PRO,
    "gemini-3.1-flash-image": _FLASH_31,
    "gemini-3.1-flash-image-preview": _FLASH_31,
    "gemini-3.1-flash-lite-image": ModelCapabilities(_STANDARD, ("1K",), 1),
    "gemini-2.5-flash-image": ModelCapabilities(_STANDARD, (), 3),
}
CONSERVATIVE = ModelCapabilities(SEED_RATIOS, (), 1)

ALL_RATIOS: tuple[str, ...] = tuple(RATIOS)
ALL_IMAGE_SIZES: tuple[str, ...] = tuple(IMAGE_SIZES)
MAX_REFERENCES = max(c.max_references for c in MODELS.values())


def capabilities_for(model: str) -> ModelCapabilities:
    """The model's row; "models/…" (the API's resource name) is the same model."""
    return MODELS.get(model.strip().lower().removeprefix("models/"), CONSERVATIVE)


def configured_model() -> str:
    """The Gemini model this deployment generates with; the placeholder draws as it would."""
    return settings.GEMINI_IMAGE_MODEL


def configured() -> ModelCapabilities:
    return capabilities_for(configured_model())


def reference_ratios() -> tuple[str, ...]:
    """The ratios a reference's shape may pick: the seed's (default) or the model's all."""
    if settings.AI_REFERENCE_RATIOS == "model":
        return configured().ratios
    return tuple(r for r in SEED_RATIOS if r in configured().ratios)


def nearest_aspect_ratio(*, width: int, height: int, among: tuple[str, ...] = SEED_RATIOS) -> str:
    """The ratio of ``among`` closest to ``width`` by ``height``, compared on a log scale.

    Log distance treats 2:1 and 1:2 as equally far from 1:1, which a plain difference of
    ``width / height`` would not (it would pull every portrait image towards the square).
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"Image dimensions must be positive, got {width}x{height}.")
    target = math.log(width / height)
    return min(among, key=lambda name: abs(math.log(ratio_value(name)) - target))


def ratio_value(name: str) -> float:
    w, h = RATIOS[name]
    return w / h


def pixel_size(aspect_ratio: str, image_size: str | None) -> tuple[int, int]:
    """Width and height for ``aspect_ratio`` with the size's long side (1K when none)."""
    long_side = IMAGE_SIZES[image_size] if image_size else DEFAULT_LONG_SIDE
    w, h = RATIOS[aspect_ratio]
    if w >= h:
        return long_side, max(1, round(long_side * h / w))
    return max(1, round(long_side * w / h)), long_side


def check_supported(model: str, *, aspect_ratio: str, image_size: str | None) -> None:
    """Callers validate input; a value the model does not take reaching a provider is a bug."""
    caps = capabilities_for(model)
    if aspect_ratio not in caps.ratios:
        allowed = ", ".join(caps.ratios)
        raise ValueError(f"{model} does not take ratio {aspect_ratio!r}. Allowed: {allowed}.")
    if image_size and image_size not in caps.image_sizes:
        allowed = ", ".join(caps.image_sizes) or "none"
        raise ValueError(f"{model} does not take image_size {image_size!r}. Allowed: {allowed}.")
