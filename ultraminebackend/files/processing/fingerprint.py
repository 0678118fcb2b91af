"""Perceptual hashes: the 64-bit pHash of ``imagehash.phash``, computed with Pillow alone.

Payment evidence is compared for reuse by it (``core/proofs.py``). imagehash would bring numpy,
scipy and PyWavelets onto a 512 MB instance for one small matrix product (bench/README.md).
"""

import math
from typing import IO

from django.conf import settings
from PIL import Image

from . import streaming
from .guards import open_image

HASH_BITS = 64
_HASH_SIDE = 8  # the low-frequency corner kept: 8 x 8 coefficients, one bit each
_SAMPLE_SIDE = 32  # the image is squashed to 32 x 32 grey pixels first, as imagehash does
_MASK = (1 << HASH_BITS) - 1
_SIGN = 1 << (HASH_BITS - 1)

# Rows of the DCT-II matrix for the first 8 frequencies (scipy's unnormalised DCT up to a factor
# of 2, which the median comparison does not see).
_DCT = [
    [math.cos(math.pi * k * (2 * n + 1) / (2 * _SAMPLE_SIDE)) for n in range(_SAMPLE_SIDE)]
    for k in range(_HASH_SIDE)
]

# Shrink by whole factors (cheap box filter) down to this multiple of 32 px, then Lanczos.
_REDUCING_GAP = 3.0


def perceptual_hash(image: Image.Image) -> int:
    """The image's pHash as an unsigned 64-bit integer (first bit: the DC coefficient's).

    Formatted as 16 hex digits it equals ``str(imagehash.phash(image))`` but for a bit or two
    where the two libraries' resampling differs.
    """
    if image.mode not in {"L", "RGB", "RGBA"}:
        image = image.convert("L")  # palette and 1-bit images would be resized as nearest
    side = (_SAMPLE_SIDE, _SAMPLE_SIDE)
    small = image.resize(side, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
    pixels = small.convert("L").tobytes()
    rows = [pixels[y * _SAMPLE_SIDE : (y + 1) * _SAMPLE_SIDE] for y in range(_SAMPLE_SIDE)]
    # DCT along each row (8 frequencies), then down each of those 8 columns.
    along = [[_dot(basis, row) for basis in _DCT] for row in rows]
    # Rounded: on flat areas the exact coefficient is 0, and float noise around it would decide
    # the bit (scipy's DCT in imagehash lands on 0 there too).
    low = [
        round(sum(c * along[y][x] for y, c in enumerate(basis)), 6)
        for basis in _DCT
        for x in range(_HASH_SIDE)
    ]
    ordered = sorted(low)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for coefficient in low:
        value = (value << 1) | (coefficient > median)
    return value


# A stored file is hashed from a copy shrunk to this side while decoding, never a full decode.
SAMPLE_MAX_SIDE = 256


def file_hash(file: IO[bytes]) -> int:
    """The pHash of a file the intake wrote (upright, sRGB); the file is left at its start."""
    try:
        name, image = open_image(file, max_pixels=settings.IMAGE_MAX_PIXELS)
        if name in streaming.FORMATS:
            return perceptual_hash(streaming.sample(file, max_side=SAMPLE_MAX_SIDE))
        image.load()  # a GIF: its first frame
        return perceptual_hash(image)
    finally:
        file.seek(0)


def _dot(a: list[float], b: list[int]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a ``BIGINT`` column holds."""
    return value - (1 << HASH_BITS) if value & _SIGN else value


def distance(a: int, b: int) -> int:
    """Hamming distance of two 64-bit hashes, signed or unsigned alike."""
    return ((a ^ b) & _MASK).bit_count()


def to_hex(value: int) -> str:
    """16 hex digits, as imagehash prints a hash (signed values included)."""
    return f"{value & _MASK:016x}"
