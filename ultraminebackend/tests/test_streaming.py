"""Which images libvips streams, and what the streamed path leaves behind.

What a streamed image comes out as is tested in test_intake.py, where every test also runs with
every still image streamed.
"""

import io
import tempfile
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image

from testsupport.files import (
    animated_bytes,
    encode,
    exif_bytes,
    halves,
    handmade_png,
    image_bytes,
    photo,
)
from ultraminebackend.files.processing import streaming
from ultraminebackend.files.processing.intake import intake_image


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("upload.bin", data)


def reopen(result) -> Image.Image:
    result.seek(0)
    image = Image.open(io.BytesIO(result.read()))
    image.load()
    return image


@pytest.fixture
def streamed(monkeypatch):
    """The formats libvips opened, in order (the real class, recorded)."""
    opened = []

    class Recorded(streaming.StillImage):
        def __init__(self, fp, fmt):
            super().__init__(fp, fmt)
            opened.append(fmt)

    monkeypatch.setattr(streaming, "StillImage", Recorded)
    return opened


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [
        pytest.param("JPEG", (4000, 4000), ["JPEG"], id="16MP-jpeg"),
        pytest.param("PNG", (4000, 4000), ["PNG"], id="16MP-png"),
        pytest.param("WEBP", (4000, 4000), ["WEBP"], id="16MP-webp"),
        pytest.param("JPEG", (3999, 4000), [], id="just-below-16MP"),
        pytest.param("GIF", (4000, 4000), [], id="16MP-gif"),
        pytest.param("HEIC", (4000, 4000), [], id="16MP-heic"),
    ],
)
def test_still_images_from_16_megapixels_are_streamed_through_libvips(
    streamed, fmt, size, expected
):
    # given: the default threshold
    data = image_bytes(fmt, size)

    # when
    result = intake_image(upload(data), max_bytes=len(data))

    # then
    assert streamed == expected
    assert (result.width, result.height) == size


def test_an_animation_is_never_streamed(settings, streamed):
    # given: every still image would be
    settings.IMAGE_STREAMING_MIN_PIXELS = 0

    # when
    result = intake_image(upload(animated_bytes("WEBP")))

    # then
    assert streamed == []
    assert result.frames == 3


def test_turning_a_streamed_image_leaves_no_temporary_file(settings, monkeypatch, tmp_path):
    # given: libvips turns an image by way of a tiled TIFF in the temporary folder
    settings.IMAGE_STREAMING_MIN_PIXELS = 0
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = encode(halves((600, 400)), "JPEG", exif=exif_bytes(orientation=6))

    # when
    result = intake_image(upload(data))

    # then: upright (the red left half on top), and the spill is gone
    image = reopen(result)
    assert image.size == (400, 600)
    red, blue = image.getpixel((200, 50)), image.getpixel((200, 550))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60
    assert list(tmp_path.iterdir()) == []


def test_a_large_sideways_photo_comes_out_upright_with_its_thumbnail():
    # given: a 16 MP photo-like JPEG of several MB, stored sideways, read back in many chunks
    data = encode(photo((4000, 4000)), "JPEG", quality=90, exif=exif_bytes(orientation=8))
    on_disk = TemporaryUploadedFile("big.jpg", "image/jpeg", len(data), None)
    on_disk.write(data)
    on_disk.flush()

    # when
    result = intake_image(on_disk, max_bytes=len(data), thumbnail=True)

    # then
    image = reopen(result)
    assert (image.format, image.size) == ("JPEG", (4000, 4000))
    assert not image.getexif()
    thumbnail = Image.open(io.BytesIO(result.thumbnail))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (400, 400))
    on_disk.close()


def test_libvips_work_stops_at_the_deadline_whatever_makes_it_slow(settings):
    # given: the 1 x 39,900,000 strip with the shape caps lifted, the input that held the decode
    # slot for 44 s, and a one-second budget
    settings.IMAGE_MAX_SIDE = 10**9
    settings.IMAGE_MAX_ASPECT_RATIO = 10**9
    settings.IMAGE_INTAKE_TIMEOUT_S = 1
    strip = handmade_png(1, 39_900_000)

    # when
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        intake_image(upload(strip))
    elapsed = time.monotonic() - started

    # then: libvips was killed mid-way (generous bound: the full decode takes tens of seconds)
    assert caught.value.code == "image_too_slow"
    assert elapsed < 10
