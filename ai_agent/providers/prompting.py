"""The prompt template: the user's words, an optional style, and our house guidelines, as sent.

Why each guideline: docs/ai-providers.md.
"""

from __future__ import annotations

# Style name → what we tell the model. The API's ``style`` field accepts exactly these keys.
STYLES: dict[str, str] = {
    "photo": (
        "a realistic photograph: natural light, true-to-life colours, sharp focus, "
        "shot on a professional camera"
    ),
    "illustration": (
        "a clean digital illustration: clear shapes, deliberate colour palette, "
        "no photographic texture"
    ),
    "3d": "a polished 3D render: soft global illumination, realistic materials, studio lighting",
    "minimal": (
        "a minimal composition: one clear subject, generous empty space, a restrained "
        "palette of two or three colours"
    ),
    "cinematic": (
        "a cinematic still: dramatic lighting, shallow depth of field, wide-screen "
        "composition, film colour grading"
    ),
}

# Applied to every prompt; the reason behind each line is in docs/ai-providers.md.
GUIDELINES: tuple[str, ...] = (
    "Produce one finished image, not a collage, grid or set of variations.",
    "Do not add text, captions, watermarks or logos unless the request asks for them.",
    "Keep the subject and details the request describes; the style must not replace them.",
)
REFERENCE_GUIDELINE = (
    "Use the attached reference image: keep its main subject and composition, "
    "and apply the request to it."
)

# A safety net against runaway input; the API's serializer enforces its own, smaller limit.
MAX_PROMPT_CHARS = 4000

TEMPLATE = """{prompt}

Style: {style}

Guidelines:
{guidelines}"""


def build_prompt(*, prompt: str, style: str | None = None, reference: bool = False) -> str:
    """The exact text to send for ``prompt`` in ``style`` (a key of ``STYLES``, or None/"")."""
    text = " ".join(prompt.split())  # newlines and runs of spaces would break the template's shape
    if not text:
        raise ValueError("The prompt is empty.")
    if len(text) > MAX_PROMPT_CHARS:
        raise ValueError(f"The prompt is longer than {MAX_PROMPT_CHARS} characters.")
    if style and style not in STYLES:
        raise ValueError(f"Unknown style {style!r}. Allowed: {', '.join(STYLES)}.")
    guidelines = [*GUIDELINES, REFERENCE_GUIDELINE] if reference else list(GUIDELINES)
    return TEMPLATE.format(
        prompt=text,
        style=STYLES[style] if style else "whatever best suits the request",
        guidelines="\n".join(f"- {line}" for line in guidelines),
    )
