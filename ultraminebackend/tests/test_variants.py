"""Thumbnails: names, size and aspect, no upscaling, WebP output, transparency, one decode."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, JpegImagePlugin

from testsupport.files import (
    encode,
    exif_bytes,
    halves,
    handmade_png,
    image_bytes,
    photo,
)
from ultraminebackend.files.processing.intake import intake_image
from ultraminebackend.files.processing.variants import make_thumbnail, thumbnail_size
from ultraminebackend.files.storage.naming import THUMBNAIL_SUFFIX, thumbnail_name


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(actual, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(actual, expected, strict=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders/3f2a9c1e.jpg", "orders/3f2a9c1e.thumb.webp"),
        ("products/ab12.png", "products/ab12.thumb.webp"),
        ("ai-generated-images/x.webp", "ai-generated-images/x.thumb.webp"),
        ("blog.banners/noext", "blog.banners/noext.thumb.webp"),
    ],
)
def test_thumbnail_name_sits_beside_the_original(name, expected):
    assert thumbnail_name(name) == expected
    assert expected.endswith(THUMBNAIL_SUFFIX)


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((4000, 3000), 400, (400, 300)),
        ((3000, 4000), 400, (300, 400)),
        ((1200, 300), 400, (400, 100)),
        ((1000, 1000), 400, (400, 400)),
        ((401, 3), 400, (400, 3)),
        ((5000, 1), 400, (400, 1)),  # never rounds to zero
        ((400, 200), 400, (400, 200)),  # already small enough
        ((120, 80), 400, (120, 80)),  # never enlarged
    ],
)
def test_thumbnail_size_keeps_the_aspect_and_never_enlarges(size, max_side, expected):
    assert thumbnail_size(size, max_side) == expected


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [
        ("JPEG", (1600, 1200), (400, 300)),
        ("JPEG", (900, 1600), (225, 400)),
        ("PNG", (1000, 250), (400, 100)),
        ("WEBP", (800, 800), (400, 400)),
        ("GIF", (640, 480), (400, 300)),
        ("JPEG", (300, 200), (300, 200)),
    ],
)
def test_make_thumbnail_from_a_file_is_a_webp_of_the_right_size(fmt, size, expected):
    # given
    data = encode(photo(size), fmt)

    # when
    thumbnail = make_thumbnail(io.BytesIO(data))

    # then
    assert thumbnail[:4] == b"RIFF"
    assert thumbnail[8:12] == b"WEBP"
    image = opened(thumbnail)
    assert image.format == "WEBP"
    assert image.size == expected


def test_the_thumbnail_size_comes_from_settings(settings):
    settings.IMAGE_THUMBNAIL_SIZE = 100

    image = opened(make_thumbnail(io.BytesIO(image_bytes("JPEG", (800, 600)))))

    assert image.size == (100, 75)


def test_make_thumbnail_accepts_a_path_and_max_side(tmp_path):
    # given
    path = tmp_path / "stored.jpg"
    path.write_bytes(encode(photo((1000, 500)), "JPEG"))

    # when
    image = opened(make_thumbnail(path, max_side=200))

    # then
    assert image.size == (200, 100)


def test_a_jpeg_is_shrunk_by_the_decoder_and_keeps_its_colours(monkeypatch):
    # given: red on the left, blue on the right
    data = encode(halves((2400, 1600)), "JPEG", quality=95)
    decoded_sizes = []
    load = JpegImagePlugin.JpegImageFile.load

    def record_decoded_size(self):
        if self.tile:  # later calls find nothing left to decode
            decoded_sizes.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", record_decoded_size)

    # when
    image = opened(make_thumbnail(io.BytesIO(data), max_side=300))

    # then: decoded once, at 1/4 scale (600x400 >= 2 x 300x200), never at full size
    assert decoded_sizes == [(600, 400)]
    assert image.size == (300, 200)
    assert close_to(image.getpixel((40, 100)), (255, 0, 0))
    assert close_to(image.getpixel((260, 100)), (0, 0, 255))


def test_transparency_is_kept():
    # given: transparent on the left, opaque green on the right
    source = halves((800, 400), left=(0, 0, 0, 0), right=(0, 200, 0, 255), mode="RGBA")

    # when
    image = opened(make_thumbnail(io.BytesIO(encode(source, "PNG")), max_side=200))

    # then
    assert image.mode == "RGBA"
    assert image.size == (200, 100)
    assert image.getpixel((20, 50))[3] == 0
    assert close_to(image.getpixel((180, 50)), (0, 200, 0, 255))


def test_a_palette_image_with_transparency_keeps_it():
    source = Image.new("P", (500, 500), 1)
    source.putpalette([0, 0, 0, 255, 0, 0])
    data = encode(source, "GIF", transparency=1)

    image = opened(make_thumbnail(io.BytesIO(data), max_side=100))

    assert image.mode == "RGBA"
    assert image.getpixel((50, 50))[3] == 0


def test_an_exif_orientation_left_on_a_file_is_applied():
    data = encode(halves((800, 400)), "JPEG", exif=exif_bytes(orientation=6))

    image = opened(make_thumbnail(io.BytesIO(data), max_side=200))

    assert image.size == (100, 200)
    assert close_to(image.getpixel((50, 20)), (255, 0, 0), tolerance=40)


def test_a_decoded_image_is_thumbnailed_without_reopening():
    image = opened(make_thumbnail(halves((1000, 800)), max_side=250))

    assert image.size == (250, 200)


def test_files_go_through_intakes_guards():
    # given: a decompression bomb and an SVG
    bomb = handmade_png(100_000, 100_000, rows=0)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    # when / then
    with pytest.raises(ValidationError) as caught:
        make_thumbnail(io.BytesIO(bomb))
    assert caught.value.code == "image_too_many_pixels"
    with pytest.raises(ValidationError) as caught:
        make_thumbnail(io.BytesIO(svg))
    assert caught.value.code == "image_unsupported_format"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "HEIC"])
def test_intake_makes_the_thumbnail_from_the_same_decode(settings, fmt):
    # given
    settings.IMAGE_THUMBNAIL_SIZE = 160
    data = encode(halves((640, 320)), fmt)

    # when
    result = intake_image(SimpleUploadedFile("x", data), thumbnail=True)

    # then: the same picture as a thumbnail made from the stored original
    thumbnail = opened(result.thumbnail)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (160, 80)
    result.seek(0)
    from_stored = opened(make_thumbnail(result))
    assert from_stored.size == thumbnail.size
    assert close_to(thumbnail.getpixel((20, 40)), (255, 0, 0))
    assert close_to(thumbnail.getpixel((140, 40)), (0, 0, 255))


def test_intake_makes_no_thumbnail_unless_asked():
    result = intake_image(SimpleUploadedFile("x.jpg", image_bytes()))

    assert result.thumbnail is None


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_streamed_image_gets_the_same_thumbnail_from_its_stored_file(settings, fmt):
    # given: libvips normalises every still image; stored sideways with orientation 6
    settings.IMAGE_STREAMING_MIN_PIXELS = 0
    settings.IMAGE_THUMBNAIL_SIZE = 160
    data = encode(halves((640, 320)), fmt, exif=exif_bytes(orientation=6))

    # when
    result = intake_image(SimpleUploadedFile("x", data), thumbnail=True)

    # then: upright like the original, the size Pillow's thumbnails have, red on top
    thumbnail = opened(result.thumbnail)
    assert thumbnail.format == "WEBP"
    assert (result.width, result.height) == (320, 640)
    assert thumbnail.size == (80, 160)
    assert close_to(thumbnail.convert("RGB").getpixel((40, 20)), (255, 0, 0))
    assert close_to(thumbnail.convert("RGB").getpixel((40, 140)), (0, 0, 255))


def test_a_streamed_image_keeps_transparency_in_its_thumbnail(settings):
    settings.IMAGE_STREAMING_MIN_PIXELS = 0
    data = image_bytes("PNG", (600, 300), (0, 0, 0, 0), mode="RGBA")

    thumbnail = opened(intake_image(SimpleUploadedFile("x", data), thumbnail=True).thumbnail)

    assert thumbnail.mode == "RGBA"
    assert thumbnail.size == (400, 200)
    assert thumbnail.getpixel((200, 100))[3] == 0
