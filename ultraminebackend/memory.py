"""Memory of the web and worker processes: allocator settings, and what the master loads once.

See docs/gunicorn.md; the figures are in bench/README.md (worker_memory.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)

# mallopt() parameters (glibc's malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2


def tune_malloc() -> bool:
    """Apply the allocator settings above to this process (and the children it forks).

    Environment variables (MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX) would need setting before
    the interpreter starts; mallopt() does the same from inside, wherever the process is
    launched. False where the C library is not glibc (nothing changes there).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_ARENA_MAX, ARENA_MAX)
    )


def warm_up() -> None:
    """Import in the gunicorn master what every worker would import on its first requests."""
    from django.conf import settings
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loads every view, serializer and the admin
    from ultraminebackend.files.processing import streaming  # noqa: F401 - libvips, for large images

    if settings.GEMINI_API_KEY and settings.AI_IMAGE_PROVIDER in ("", "gemini"):
        from ai_agent.providers import gemini  # noqa: F401 - the SDK's models

    if settings.CLOUDINARY_URL:
        import cloudinary.uploader  # noqa: F401
    if settings.IMAGEKIT_PRIVATE_KEY:
        import imagekitio.resources.files  # noqa: F401


def freeze_heap() -> None:
    """Move every object the master holds out of the collector's reach before forking.

    A collection in a worker would otherwise write to (and so copy) every page of them.
    """
    gc.collect()
    gc.freeze()
