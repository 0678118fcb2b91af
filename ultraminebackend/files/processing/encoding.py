"""Encoder settings, once for Pillow and libvips: whichever path an image takes, it is written
alike."""

# Visually lossless for photos at a reasonable size.
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# zlib's default level; Pillow's optimize=True adds passes that cost far more than they save.
PNG_COMPRESSION = 6
# libwebp's balance of speed and size (Pillow's ``method``, libvips' ``effort``).
WEBP_EFFORT = 4
# Thumbnails are looked at small: libwebp's default quality is indistinguishable there.
THUMBNAIL_QUALITY = 80

# Progressive and optimised-Huffman JPEG make libjpeg buffer every DCT coefficient of the image;
# above this many pixels originals are written baseline, which it streams (bench/README.md).
# 16 MP keeps ordinary phone photos progressive.
MULTIPASS_MAX_PIXELS = 16_000_000

THUMBNAIL_PILLOW_OPTIONS = {"quality": THUMBNAIL_QUALITY, "method": WEBP_EFFORT}
THUMBNAIL_VIPS_OPTIONS = {"Q": THUMBNAIL_QUALITY, "effort": WEBP_EFFORT}


def multipass(pixels: int) -> bool:
    """Whether a JPEG of this many pixels is written progressive with optimised tables."""
    return pixels <= MULTIPASS_MAX_PIXELS


# Per written format: what its encoder is told, in Pillow's words and in libvips'.
_OPTIONS = {
    "JPEG": ({"quality": JPEG_QUALITY}, {"Q": JPEG_QUALITY}),
    "PNG": ({"compress_level": PNG_COMPRESSION}, {"compression": PNG_COMPRESSION}),
    "WEBP": (
        {"quality": WEBP_QUALITY, "method": WEBP_EFFORT},
        {"Q": WEBP_QUALITY, "effort": WEBP_EFFORT},
    ),
    "GIF": ({"optimize": True}, None),  # Pillow only: animations never go to libvips
}
# JPEG's multi-pass switches (progressive scans, optimised Huffman tables), in the same order.
_PASSES = (("optimize", "progressive"), ("optimize_coding", "interlace"))
_PILLOW, _VIPS = 0, 1


def pillow_options(save_as: str, pixels: int) -> dict:
    """Keyword arguments for Pillow's ``Image.save`` in the format ``save_as``."""
    return _options(save_as, pixels, _PILLOW)


def vips_options(save_as: str, pixels: int) -> dict:
    """Keyword arguments for libvips' ``<format>save_target``: the same files as Pillow writes."""
    return _options(save_as, pixels, _VIPS)


def _options(save_as: str, pixels: int, library: int) -> dict:
    options = dict(_OPTIONS[save_as][library])
    if save_as == "JPEG":
        options |= dict.fromkeys(_PASSES[library], multipass(pixels))
    return options
