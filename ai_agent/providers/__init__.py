"""Image providers (Gemini, the offline placeholder) behind one interface; see ``base.py``."""

from .base import (
    ASPECT_RATIOS,
    DEFAULT_ASPECT_RATIO,
    ImageProvider,
    NoImage,
    ProviderBadResponse,
    ProviderBlocked,
    ProviderDeclined,
    ProviderError,
    ProviderImage,
    ProviderNotConfigured,
    ProviderQuota,
    ProviderTimeout,
    Reference,
    get_provider,
)
from .capabilities import nearest_aspect_ratio
from .prompting import STYLES, build_prompt

__all__ = [
    "ASPECT_RATIOS",
    "DEFAULT_ASPECT_RATIO",
    "STYLES",
    "ImageProvider",
    "NoImage",
    "ProviderBadResponse",
    "ProviderBlocked",
    "ProviderDeclined",
    "ProviderError",
    "ProviderImage",
    "ProviderNotConfigured",
    "ProviderQuota",
    "ProviderTimeout",
    "Reference",
    "build_prompt",
    "get_provider",
    "nearest_aspect_ratio",
]
