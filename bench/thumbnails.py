"""Time a large JPEG → WebP thumbnail: our ``make_thumbnail`` vs libvips' ``thumbnail``.

Run: .venv/bin/python bench/thumbnails.py   (how it measures: bench/README.md)
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.files import File  # noqa: E402
from PIL import Image  # noqa: E402

from bench.harness.report import Row, report  # noqa: E402
from testsupport.files import encode, photo  # noqa: E402
from ultraminebackend.files.processing.encoding import (  # noqa: E402
    THUMBNAIL_PILLOW_OPTIONS,
    THUMBNAIL_VIPS_OPTIONS,
)
from ultraminebackend.files.processing.intake import intake_image  # noqa: E402
from ultraminebackend.files.processing.variants import make_thumbnail, thumbnail_bytes  # noqa: E402

logging.getLogger("pyvips").setLevel(logging.WARNING)  # it logs every operation at INFO

try:
    import pyvips
except (ImportError, OSError) as exc:  # OSError: pyvips without a libvips to load
    pyvips = None
    PYVIPS_ERROR = str(exc)

SIZE = (4000, 3000)
MAX_SIDE = 400
RUNS = 15


def median_ms(fn) -> float:
    for _ in range(2):  # warm up: imports, codec tables, page cache
        fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pillow_full_decode(path: str) -> bytes:
    """What a naive Pillow thumbnail costs: decode all 12 MP, then resize."""
    import io

    with Image.open(path) as image:
        small = image.convert("RGB").resize((400, 300), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "WEBP", **THUMBNAIL_PILLOW_OPTIONS)
    return buffer.getvalue()


def intake_upload(path: str):
    with open(path, "rb") as file:
        return intake_image(File(file, name="photo.jpg"), thumbnail=True)


def vips_thumbnail(path: str) -> bytes:
    return pyvips.Image.thumbnail(path, MAX_SIDE).webpsave_buffer(**THUMBNAIL_VIPS_OPTIONS)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "photo.jpg")
        Path(path).write_bytes(encode(photo(SIZE), "JPEG", quality=90))
        megabytes = os.path.getsize(path) / 1e6
        print(f"source: {SIZE[0]}x{SIZE[1]} JPEG q90, {megabytes:.1f} MB -> {MAX_SIDE} px WebP")
        with Image.open(path) as image:
            decoded = image.convert("RGB")

        # (label, timed call, compared with libvips: only rows that do the same job)
        rows = [
            ("ours: make_thumbnail (draft + Lanczos)", lambda: make_thumbnail(path), True),
            ("Pillow without draft (full decode)", lambda: pillow_full_decode(path), True),
            ("context: thumbnail_bytes, pixels decoded", lambda: thumbnail_bytes(decoded), False),
            ("context: intake_image(thumbnail=True)", lambda: intake_upload(path), False),
        ]
        if pyvips is None:
            print(f"pyvips unavailable ({PYVIPS_ERROR}); only Pillow is timed")
        else:
            pyvips.cache_set_max(0)
            threads = pyvips.concurrency_get()
            print(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}")
            rows.append(
                (f"libvips thumbnail ({threads} threads)", lambda: vips_thumbnail(path), True)
            )
            rows.append(("libvips thumbnail (1 thread)", lambda: vips_thumbnail_on(1, path), True))

        results = [(label, median_ms(fn), compared) for label, fn, compared in rows]
        baseline = results[-2][1] if pyvips is not None else None
        print(f"median of {RUNS} runs; ratios to libvips with its default thread pool")
        report(
            [
                Row(
                    "thumbnail 12 MP JPEG",
                    label,
                    value,
                    "ms",
                    value / baseline if baseline and compared else None,
                    "libvips" if baseline and compared else "",
                    "<= 1.3x" if label.startswith("ours") else "",
                )
                for label, value, compared in results
            ]
        )


def vips_thumbnail_on(threads: int, path: str) -> bytes:
    default = pyvips.concurrency_get()
    pyvips.concurrency_set(threads)
    try:
        return vips_thumbnail(path)
    finally:
        pyvips.concurrency_set(default)


if __name__ == "__main__":
    main()
