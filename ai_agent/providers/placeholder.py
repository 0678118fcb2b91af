"""The offline provider: a Pillow-drawn PNG that shows the prompt and says plainly it is not AI.

The whole generation flow works with no key, no network and no cost; it honours the configured
Gemini model's table (``capabilities.py``), so offline development refuses what production would.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from . import capabilities
from .base import ImageProvider, ProviderImage, Reference

# ASCII only: the font Pillow bundles has no em dash, and no system font is guaranteed.
MARKING = "PLACEHOLDER - no AI provider configured"
BACKGROUND = "#1f2933"
BANNER = "#f5a623"
TEXT = "#f5f7fa"
BANNER_TEXT = "#111111"
MARGIN = 48
# Drawing the whole of a very long prompt would only shrink it to noise: what does not fit is
# elided. The character cap bounds the wrapping work (Pillow measures every candidate line).
MAX_DRAWN_CHARS = 800


class PlaceholderProvider(ImageProvider):
    """Draws the prompt on a plain background with a clear PLACEHOLDER banner."""

    name = "placeholder"
    model = "placeholder"

    @classmethod
    def from_settings(cls) -> PlaceholderProvider:
        return cls()

    def capability_model(self) -> str:
        return capabilities.configured_model()

    def _generate(
        self, *, prompt: str, aspect_ratio: str, image_size: str | None, references: list[Reference]
    ) -> ProviderImage:
        width, height = capabilities.pixel_size(aspect_ratio, image_size)
        image = Image.new("RGB", (width, height), BACKGROUND)
        draw = ImageDraw.Draw(image)

        banner_font = ImageFont.load_default(size=max(18, width // 30))
        banner_height = int(banner_font.size * 2.4)
        draw.rectangle((0, 0, width, banner_height), fill=BANNER)
        draw.text(
            (width / 2, banner_height / 2), MARKING, font=banner_font, fill=BANNER_TEXT, anchor="mm"
        )

        body_font = ImageFont.load_default(size=max(16, width // 36))
        line_height = int(body_font.size * 1.35)
        lines = _wrap(prompt[:MAX_DRAWN_CHARS], font=body_font, max_width=width - 2 * MARGIN)
        if references:
            kinds = ", ".join(ref.mime_type for ref in references)
            lines = [f"(with {len(references)} reference image(s): {kinds})", "", *lines]
        max_lines = max(1, (height - banner_height - 2 * MARGIN) // line_height)
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip() + " ..."]
        y = banner_height + MARGIN
        for line in lines:
            draw.text((MARGIN, y), line, font=body_font, fill=TEXT)
            y += line_height

        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        return ProviderImage(
            data=buffer.getvalue(),
            mime_type="image/png",
            width=width,
            height=height,
            model=self.model,
        )


def _wrap(text: str, *, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap of ``text`` to lines no wider than ``max_width`` pixels in ``font``."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if font.getlength(candidate) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line)
            # A single word wider than the image (a URL, a long hashtag) is split by characters.
            while font.getlength(word) > max_width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and font.getlength(word[:cut]) > max_width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines
