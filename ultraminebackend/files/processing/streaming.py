"""Large still images, normalised by libvips a strip at a time instead of decoded whole, with the
Pillow path's results (docs/files.md)."""

import contextlib
import os
import tempfile
import time
from typing import IO

import pyvips
from PIL import Image

from . import encoding

# libvips caches recent operations, and with them their images (and open files); every call
# here is one-off, so the cache would only keep memory and temporary files alive.
pyvips.cache_set_max(0)

# Detected format → the one libvips loader allowed to parse it (new_from_* would sniff among all
# of libvips' loaders, including ones intake never admits).
_LOADERS = {
    "JPEG": pyvips.Image.jpegload_source,
    "PNG": pyvips.Image.pngload_source,
    "WEBP": pyvips.Image.webpload_source,
}
FORMATS = frozenset(_LOADERS)

# What libvips raises for input it cannot decode (intake answers it with "corrupt", a 400).
DecodeError = pyvips.Error


class TimedOut(Exception):
    """The work passed its deadline and was abandoned (libvips killed the pipeline)."""


# EXIF orientation → the operations that show the image upright, in order (libvips' rot90 turns
# clockwise). The same table as intake's Pillow transposes, in libvips' terms.
_TURNS = {
    2: ("fliphor",),
    3: ("rot180",),
    4: ("flipver",),
    5: ("rot90", "fliphor"),
    6: ("rot90",),
    7: ("rot270", "fliphor"),
    8: ("rot270",),
}
_SPILL_TILE = 128


class StillImage:
    """An allowed still image opened by libvips: header read, no pixel decoded yet.

    Keeps the Python source whose callbacks libvips reads through alive as long as the image.
    """

    def __init__(self, fp: IO[bytes], fmt: str):
        self.format = fmt
        self._source = _source(fp)
        self._image = _LOADERS[fmt](self._source, access="sequential", fail_on="error")

    @property
    def size(self) -> tuple[int, int]:
        """Width and height as libvips reads them (intake checks its caps against these too)."""
        return self._image.width, self._image.height

    def write_normalised(
        self, output: IO[bytes], *, is_srgb, deadline: float | None = None
    ) -> tuple[int, int]:
        """Decode strip by strip and write the normalised image to ``output``, in its format.

        Encoder settings come from ``encoding``, as on the Pillow path. ``is_srgb(profile_bytes)``
        says whether an embedded ICC profile is sRGB already (``None`` when it cannot be read):
        intake's own test, so both paths treat profiles alike. Past ``deadline`` (a
        ``time.monotonic()`` value) the work stops with ``TimedOut``. Returns the stored size.
        """
        with contextlib.ExitStack() as stack, _deadline(deadline) as watch:
            image = _upright(watch(self._image), stack)
            image = _srgb_8_bit(image, is_srgb)
            target = pyvips.TargetCustom()
            target.on_write(output.write)
            _save(watch(image), self.format, target)
        return image.width, image.height


def thumbnail(file: IO[bytes], *, max_side: int, deadline: float | None = None) -> bytes:
    """WebP thumbnail of a file ``normalise`` wrote (upright, sRGB, no metadata).

    libvips shrinks JPEG and WebP while decoding them (at 1/2 … 1/8 scale, like Pillow's
    ``draft``), so reading the stored file back costs a fraction of its full decode.
    """
    source = _source(file)  # referenced until the pixels are written: libvips calls back into it
    with _deadline(deadline) as watch:
        image = pyvips.Image.thumbnail_source(
            source, max_side, height=max_side, size="down", no_rotate=True
        )
        return watch(image).webpsave_buffer(**encoding.THUMBNAIL_VIPS_OPTIONS, keep="none")


def sample(file: IO[bytes], *, max_side: int, deadline: float | None = None) -> Image.Image:
    """A small Pillow copy of a file ``normalise`` wrote, shrunk while decoding (as ``thumbnail``).

    What the perceptual hash of a large image is computed from, never its full decode.
    """
    source = _source(file)  # referenced until the pixels are read (see ``_source``)
    with _deadline(deadline) as watch:
        image = pyvips.Image.thumbnail_source(
            source, max_side, height=max_side, size="down", no_rotate=True
        )
        # The watched image is the one evaluated, and stays referenced while it is: libvips
        # calls the progress handler on it (a freed handler is a crash, not an exception).
        image = watch(image.cast("uchar"))
        pixels = image.write_to_memory()
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[image.bands]
    return Image.frombytes(mode, (image.width, image.height), pixels)


def check_deadline(deadline: float | None) -> None:
    """Raise ``TimedOut`` once ``deadline`` has passed (for work done between libvips runs)."""
    if deadline is not None and time.monotonic() > deadline:
        raise TimedOut


@contextlib.contextmanager
def _deadline(deadline: float | None):
    """Yield ``watch(image)``: evaluating a watched image stops once ``deadline`` has passed.

    libvips reports progress (its ``eval`` signal) after every strip or tile it computes; the
    handler kills the pipeline past the deadline, so no input can hold a worker's decode slot
    for longer than ``IMAGE_INTAKE_TIMEOUT_S``, whatever makes it slow. The kill surfaces as a
    ``pyvips.Error``, turned into ``TimedOut`` here.
    """

    def on_eval(image, progress):
        if time.monotonic() > deadline:
            image.set_kill(True)

    def watch(image: pyvips.Image) -> pyvips.Image:
        if deadline is not None:
            image.set_progress(True)
            image.signal_connect("eval", on_eval)
        return image

    try:
        yield watch
    except pyvips.Error as exc:
        if deadline is not None and time.monotonic() > deadline:
            raise TimedOut from exc
        raise


def _source(fp: IO[bytes]) -> pyvips.SourceCustom:
    # A custom source reads through Python in small chunks; a file source would let libvips map
    # the whole upload into memory. The caller must keep the returned object alive while libvips
    # reads: its callbacks die with it (a crash, not an exception).
    fp.seek(0)
    source = pyvips.SourceCustom()
    source.on_read(fp.read)
    source.on_seek(fp.seek)
    return source


def _upright(image: pyvips.Image, stack: contextlib.ExitStack) -> pyvips.Image:
    turns = _TURNS.get(_orientation(image))
    if not turns:
        return image
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="intake-"))
    spilled = os.path.join(folder, "upright.tif")
    image.tiffsave(
        spilled,
        tile=True,
        tile_width=_SPILL_TILE,
        tile_height=_SPILL_TILE,
        compression="none",
        keep="icc",  # the profile is still needed for the sRGB conversion after the turn
    )
    image = pyvips.Image.tiffload(spilled, access="random")
    for turn in turns:
        image = getattr(image, turn)()
    return image


def _orientation(image: pyvips.Image) -> int:
    if image.get_typeof("orientation"):
        return image.get("orientation")
    return 1


def _srgb_8_bit(image: pyvips.Image, is_srgb) -> pyvips.Image:
    profile = image.get("icc-profile-data") if image.get_typeof("icc-profile-data") else None
    if profile and is_srgb(profile) is False:
        with contextlib.suppress(pyvips.Error):
            # A profile lcms cannot use with these pixels is ignored, as the Pillow path does.
            return image.icc_transform("srgb", embedded=True, intent="perceptual", depth=8)
    if image.interpretation == "cmyk":
        # No usable profile: the naive inversion Pillow's convert("RGB") does, so a CMYK photo
        # looks the same whichever path it took.
        cmyk = image.cast("float")
        rgb = (255 - cmyk.extract_band(0, n=3)) * (255 - cmyk[3]) / 255
        return rgb.cast("uchar").copy(interpretation="srgb")
    if image.format == "ushort":
        # 16-bit: keep the high byte (scaled, not clipped), as the Pillow path does.
        interpretation = "b-w" if image.bands < 3 else "srgb"
        return (image >> 8).cast("uchar").copy(interpretation=interpretation)
    return image


def _save(image: pyvips.Image, fmt: str, target: pyvips.TargetCustom):
    # keep="none" drops EXIF, XMP, IPTC, ICC and comments.
    options = encoding.vips_options(fmt, image.width * image.height)
    if fmt == "JPEG":
        image.jpegsave_target(target, **options, keep="none")
    elif fmt == "PNG":
        image.pngsave_target(target, **options, keep="none")
    else:
        image.webpsave_target(target, **options, keep="none")
