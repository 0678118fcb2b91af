"""Image intake: formats sniffed from bytes, caps before decoding, orientation, metadata, colour."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, ImageCms, ImageFile
from PIL.ImageColor import getrgb
from PIL.PngImagePlugin import PngInfo

from testsupport.files import (
    animated_bytes,
    encode,
    exif_bytes,
    halves,
    handmade_gif,
    handmade_png,
    image_bytes,
    photo,
    rgb_icc_profile,
)
from ultraminebackend.files.operations.checks import check_image_support
from ultraminebackend.files.processing import streaming
from ultraminebackend.files.processing.encoding import MULTIPASS_MAX_PIXELS
from ultraminebackend.files.processing.guards import MAX_FRAMES
from ultraminebackend.files.processing.intake import (
    ALLOWED_FORMATS,
    SPOOL_MAX_BYTES,
    IntakeBusy,
    intake_image,
)
from ultraminebackend.files.processing.sniff import sniff_format
from ultraminebackend.files.storage.naming import UploadTo

ALLOWED_MESSAGE = "Allowed: JPEG, PNG, WebP, GIF, HEIC."


@pytest.fixture(autouse=True, params=["pillow", "libvips"])
def engine(request, settings):
    """Every test runs twice: as configured (Pillow below 16 MP, where these small images are)
    and with every still JPEG, PNG and WebP streamed through libvips, as large ones are."""
    if request.param == "libvips":
        settings.IMAGE_STREAMING_MIN_PIXELS = 0
    return request.param


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(result) -> Image.Image:
    result.seek(0)
    image = Image.open(io.BytesIO(result.read()))
    image.load()
    return image


def stored_bytes(result) -> bytes:
    result.seek(0)
    return result.read()


def rejected(data: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        intake_image(upload(data), **kwargs)
    return caught.value


def close_to(actual, expected, tolerance=8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(actual, expected, strict=True))


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "stored_format", "extension", "content_type"),
    [
        ("JPEG", "JPEG", ".jpg", "image/jpeg"),
        ("PNG", "PNG", ".png", "image/png"),
        ("WEBP", "WEBP", ".webp", "image/webp"),
        ("GIF", "GIF", ".gif", "image/gif"),
        ("HEIC", "JPEG", ".jpg", "image/jpeg"),
    ],
)
def test_each_allowed_format_is_re_encoded_in_its_own_format(
    fmt, stored_format, extension, content_type
):
    # given
    data = image_bytes(fmt, (64, 48), "#2e86c1", mode="RGB")

    # when
    result = intake_image(upload(data, name="whatever.bin", content_type="text/plain"))

    # then
    assert (result.format, result.extension, result.content_type) == (
        stored_format,
        extension,
        content_type,
    )
    assert ALLOWED_FORMATS[fmt] == (extension, content_type)
    assert result.name == f"image{extension}"
    assert (result.width, result.height) == (64, 48)
    assert result.size == len(stored_bytes(result))
    image = reopen(result)
    assert image.format == stored_format
    assert image.size == (64, 48)
    assert close_to(image.convert("RGB").getpixel((32, 24)), getrgb("#2e86c1"))


def test_heic_is_stored_as_a_jpeg():
    # given
    data = image_bytes("HEIC", (80, 60), "#27ae60")

    # when
    result = intake_image(upload(data, name="IMG_0001.HEIC", content_type="image/heic"))

    # then
    assert sniff_format(data[:64]) == "HEIC"
    assert result.name == "image.jpg"
    assert stored_bytes(result)[:3] == b"\xff\xd8\xff"
    assert close_to(reopen(result).getpixel((40, 30)), getrgb("#27ae60"))


def test_a_png_named_jpg_keeps_its_real_extension():
    # given
    data = image_bytes("PNG", (20, 10))

    # when
    result = intake_image(upload(data, name="holiday.jpg", content_type="image/jpeg"))

    # then
    assert result.extension == ".png"
    assert result.name == "image.png"
    assert UploadTo("orders")(None, result.name).endswith(".png")
    assert reopen(result).format == "PNG"


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        pytest.param(
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>",
            "svg",
            id="svg-with-script",
        ),
        pytest.param(b'<svg onload="alert(1)" width="10"/>', "svg", id="bare-svg"),
        pytest.param(
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "html",
            id="html",
        ),
        pytest.param(b"just some notes, renamed photo.jpg\n", "text", id="text"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "pdf", id="pdf"),
        pytest.param(image_bytes("BMP"), "bmp", id="bmp"),
        pytest.param(image_bytes("TIFF"), "tiff", id="tiff"),
        pytest.param(b"\x00\x01\x02\x03 binary junk \xfe\xff" * 8, "unknown", id="binary"),
    ],
)
def test_anything_but_an_allowed_image_is_refused_naming_what_it_is(data, detected):
    # when
    error = rejected(data)

    # then
    assert error.code == "image_unsupported_format"
    assert error.messages == [f"Unsupported image format '{detected}'. {ALLOWED_MESSAGE}"]


def test_an_empty_file_is_refused():
    error = rejected(b"")

    assert error.code == "image_empty"
    assert error.messages == ["The file is empty."]


# --- corrupt input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "keep"),
    [
        ("JPEG", 0.6),
        ("JPEG", 0.02),
        ("PNG", 0.6),
        ("WEBP", 0.5),
        ("GIF", 0.5),
        ("HEIC", 0.5),
    ],
)
def test_a_truncated_image_is_refused_as_corrupt(fmt, keep):
    # given: a photo-like image (flat colours would fit in the bytes that are kept)
    data = encode(photo((320, 240)), fmt)
    truncated = data[: int(len(data) * keep)]

    # when
    error = rejected(truncated)

    # then
    assert error.code == "image_corrupt"
    assert "truncated or corrupt" in error.messages[0]


def test_a_jpeg_html_polyglot_that_does_not_decode_is_refused():
    # given: a JPEG signature and comment segment carrying HTML, then no image at all
    html = b"<html><body><script>alert(document.domain)</script></body></html>"
    polyglot = b"\xff\xd8\xff\xfe" + (len(html) + 2).to_bytes(2, "big") + html + b"\x00" * 64

    # when
    error = rejected(polyglot)

    # then
    assert sniff_format(polyglot) == "JPEG"
    assert error.code == "image_corrupt"
    assert error.messages == ["The JPEG image is truncated or corrupt and cannot be decoded."]


def test_a_decodable_jpeg_html_polyglot_is_stored_without_the_html():
    # given: a real JPEG whose comment segment is an HTML page
    html = b"<html><script>alert(document.domain)</script></html>"
    data = image_bytes("JPEG", (32, 32), comment=html)
    assert html in data

    # when
    result = intake_image(upload(data))

    # then
    assert b"<script" not in stored_bytes(result)
    assert "comment" not in reopen(result).info


# --- caps --------------------------------------------------------------------------------------


def test_a_file_over_the_byte_cap_is_refused_before_it_is_read():
    # given: a closed file cannot be read; the cap must be decided from its size alone
    data = image_bytes("PNG", (200, 200))
    too_big = upload(data)
    too_big.close()

    # when
    with pytest.raises(ValidationError) as caught:
        intake_image(too_big, max_bytes=len(data) - 1)

    # then
    assert caught.value.code == "image_too_large"
    assert caught.value.messages == [
        f"The image is {len(data)} bytes; the limit is {len(data) - 1} bytes."
    ]


def test_the_byte_cap_comes_from_settings_when_not_given(settings):
    # given
    data = image_bytes("JPEG", (64, 64))
    settings.IMAGE_MAX_BYTES = len(data) - 1

    # when / then
    assert rejected(data).code == "image_too_large"
    settings.IMAGE_MAX_BYTES = len(data)
    assert intake_image(upload(data)).width == 64


@pytest.mark.parametrize(
    ("width", "height", "rows"),
    [
        pytest.param(8_000, 8_000, None, id="64MP-complete-over-our-cap"),
        pytest.param(10_000, 10_000, 1, id="100MP-where-pillow-only-warns"),
        pytest.param(100_000, 100_000, 0, id="10GP-where-pillow-raises"),
    ],
)
def test_a_png_decompression_bomb_is_refused_before_decoding(monkeypatch, width, height, rows):
    # given: a tiny file whose header claims a huge image
    bomb = handmade_png(width, height, rows=rows)
    assert len(bomb) < 100_000

    def decode_attempted(self):
        raise AssertionError("a bomb must be refused before load()")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode_attempted)

    # when (pytest turns any DecompressionBombWarning into an error, see pytest.ini)
    error = rejected(bomb)

    # then
    assert error.code == "image_too_many_pixels"
    assert error.messages == [
        f"The image is {width}x{height} pixels; the limit is 40000000 pixels."
    ]


def test_the_pixel_cap_comes_from_settings_and_can_be_given(settings):
    # given
    data = image_bytes("PNG", (100, 50))
    settings.IMAGE_MAX_PIXELS = 4_999

    # when / then
    assert rejected(data).code == "image_too_many_pixels"
    assert intake_image(upload(data), max_pixels=5_000).size > 0


@pytest.mark.parametrize(
    ("frame_size", "pixels"),
    [((10_000, 10_000), 100_000_000), ((20_000, 20_000), 400_000_000)],
)
def test_a_gif_frame_larger_than_its_screen_is_measured_before_pillow_grows_the_canvas(
    frame_size, pixels
):
    # given: a 1x1 GIF screen with one frame claiming a huge area (Pillow would warn or raise)
    bomb = handmade_gif(screen=(1, 1), frame=frame_size)

    # when
    error = rejected(bomb)

    # then
    assert error.code == "image_too_many_pixels"
    assert f"{frame_size[0]}x{frame_size[1]} pixels" in error.messages[0]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(handmade_gif(screen=(0, 0), frame=(0, 0)), "image_too_small", id="gif-0x0"),
        # Pillow's PNG parser refuses a zero dimension itself, before our check can.
        pytest.param(handmade_png(0, 10, rows=0), "image_corrupt", id="png-0x10"),
    ],
)
def test_an_image_of_zero_pixels_is_refused(data, code):
    error = rejected(data)

    assert error.code == code
    if code == "image_too_small":
        assert error.messages == ["The image is 0x0 pixels; it must be at least 1x1."]


def test_a_one_pixel_image_is_accepted():
    result = intake_image(upload(image_bytes("PNG", (1, 1))))

    assert (result.width, result.height) == (1, 1)


def test_the_77_kb_strip_of_1_x_39_900_000_pixels_is_refused_from_its_header(monkeypatch):
    # given: the upload the issue found: within the byte and pixel caps, 44 s in libvips
    strip = handmade_png(1, 39_900_000)
    assert len(strip) < 80_000

    def decode_attempted(*args, **kwargs):
        raise AssertionError("an extreme shape must be refused before any decode")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode_attempted)
    monkeypatch.setattr(streaming.StillImage, "write_normalised", decode_attempted)

    # when
    error = rejected(strip)

    # then
    assert error.code == "image_too_long"
    assert error.messages == [
        "The image is 1x39900000 pixels; its longest side may be at most 30000 pixels."
    ]


@pytest.mark.parametrize(
    ("size", "code"),
    [
        pytest.param((30_001, 700), "image_too_long", id="wide-over-the-side-cap"),
        pytest.param((700, 30_001), "image_too_long", id="tall-over-the-side-cap"),
        pytest.param((5_100, 100), "image_aspect_ratio", id="51-to-1"),
        pytest.param((100, 5_100), "image_aspect_ratio", id="1-to-51"),
    ],
)
def test_extreme_shapes_are_refused_from_the_header(size, code):
    # given: a header that claims the shape (no row is written: it must not matter)
    data = handmade_png(*size, rows=0)

    # when
    error = rejected(data)

    # then
    assert error.code == code
    assert f"{size[0]}x{size[1]} pixels" in error.messages[0]


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((12_000, 3_000), id="36MP-panorama-4-to-1"),
        pytest.param((5_000, 100), id="banner-50-to-1"),
        pytest.param((100, 5_000), id="tall-50-to-1"),
    ],
)
def test_real_panoramas_and_banners_pass_the_shape_caps(size):
    data = image_bytes("JPEG", size)

    result = intake_image(upload(data))

    assert (result.width, result.height) == size


def test_the_shape_caps_come_from_settings(settings):
    # given
    data = image_bytes("PNG", (400, 100))

    # when / then
    settings.IMAGE_MAX_SIDE = 399
    assert rejected(data).code == "image_too_long"
    settings.IMAGE_MAX_SIDE = 400
    settings.IMAGE_MAX_ASPECT_RATIO = 3
    assert rejected(data).code == "image_aspect_ratio"
    settings.IMAGE_MAX_ASPECT_RATIO = 4
    assert intake_image(upload(data)).width == 400


def test_an_image_past_its_time_budget_is_refused(settings):
    # given: no time at all (an image of many rows, so libvips reports progress mid-way)
    settings.IMAGE_INTAKE_TIMEOUT_S = 0
    data = image_bytes("PNG", (200, 4_000))

    # when
    error = rejected(data)

    # then
    assert error.code == "image_too_slow"
    assert error.messages == ["The image took more than 0 seconds to process; try a smaller one."]


def test_an_animation_past_its_time_budget_is_refused(settings):
    settings.IMAGE_INTAKE_TIMEOUT_S = 0

    assert rejected(animated_bytes("GIF")).code == "image_too_slow"


def test_a_decode_slot_is_waited_for_within_a_bound(settings, monkeypatch):
    # given: every decode slot taken by others, and no patience
    from ultraminebackend.files.processing import intake as intake_module

    monkeypatch.setattr(intake_module, "_slots", None)
    settings.IMAGE_INTAKE_CONCURRENCY = 1
    settings.IMAGE_INTAKE_WAIT_S = 0
    slots = intake_module._decode_slots()
    slots.acquire()
    try:
        # when / then
        with pytest.raises(IntakeBusy) as caught:
            intake_image(upload(image_bytes("PNG", (8, 8))))
    finally:
        slots.release()

    assert caught.value.status_code == 503
    assert caught.value.wait == 5
    # and the slot is free again for the next upload
    assert intake_image(upload(image_bytes("PNG", (8, 8)))).width == 8


# --- orientation and metadata ------------------------------------------------------------------


def test_exif_orientation_is_applied_and_all_exif_including_gps_is_dropped():
    # given: stored sideways (red left, blue right) with "rotate 90° clockwise to view" (6)
    data = encode(halves((60, 40)), "JPEG", exif=exif_bytes(orientation=6, gps=True))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # GPS is really there

    # when
    result = intake_image(upload(data))

    # then: upright, so the stored left (red) half is now the top half
    image = reopen(result)
    assert (result.width, result.height) == image.size == (40, 60)
    assert close_to(image.getpixel((20, 5)), (255, 0, 0), tolerance=40)
    assert close_to(image.getpixel((20, 55)), (0, 0, 255), tolerance=40)
    assert "exif" not in image.info
    assert not image.getexif()
    assert b"Exif" not in stored_bytes(result)


@pytest.mark.parametrize(
    ("orientation", "size", "top_left"),
    [
        (1, (60, 40), (255, 0, 0)),
        (3, (60, 40), (0, 0, 255)),
        (6, (40, 60), (255, 0, 0)),
        (8, (40, 60), (0, 0, 255)),
    ],
)
def test_every_common_orientation_comes_out_upright(orientation, size, top_left):
    data = encode(halves((60, 40)), "PNG", exif=exif_bytes(orientation=orientation))

    image = reopen(intake_image(upload(data)))

    assert image.size == size
    assert close_to(image.convert("RGB").getpixel((2, 2)), top_left)


def test_a_heic_is_turned_upright_exactly_once():
    # given: libheif applies the orientation itself while decoding
    data = encode(halves((60, 40)), "HEIC", exif=exif_bytes(orientation=6))

    # when
    image = reopen(intake_image(upload(data)))

    # then
    assert image.size == (40, 60)
    assert close_to(image.getpixel((20, 5)), (255, 0, 0), tolerance=40)
    assert close_to(image.getpixel((20, 55)), (0, 0, 255), tolerance=40)


XMP = b"<x:xmpmeta>GPS position</x:xmpmeta>"


def png_text() -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", "secret")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return info


@pytest.mark.parametrize(
    ("fmt", "metadata"),
    [
        ("JPEG", {"exif": exif_bytes(), "comment": b"secret", "xmp": XMP}),
        ("PNG", {"exif": exif_bytes(), "pnginfo": png_text()}),
        ("WEBP", {"exif": exif_bytes(), "xmp": XMP}),
        ("GIF", {"comment": b"secret"}),
    ],
)
def test_all_metadata_is_stripped(fmt, metadata):
    # given
    data = encode(Image.new("RGB", (32, 32), "#8e44ad"), fmt, **metadata)
    assert b"secret" in data or XMP in data

    # when
    result = intake_image(upload(data))

    # then
    image = reopen(result)
    stored = stored_bytes(result)
    assert not set(image.info) & {"exif", "xmp", "comment", "icc_profile", "Comment"}
    assert not image.getexif()
    for secret in (b"secret", b"xmpmeta", b"GPS", b"Exif"):
        assert secret not in stored


# --- colour and depth --------------------------------------------------------------------------


def test_a_wide_gamut_icc_profile_is_converted_to_srgb_then_dropped():
    # given: the same numbers mean a more saturated red in Adobe RGB than in sRGB
    profile = rgb_icc_profile()
    source = Image.new("RGB", (32, 32), (200, 60, 60))
    data = encode(source, "JPEG", quality=100, subsampling=0, icc_profile=profile)
    expected = ImageCms.profileToProfile(
        source, ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB")
    ).getpixel((0, 0))
    assert not close_to(expected, (200, 60, 60), tolerance=10)  # the conversion matters

    # when
    result = intake_image(upload(data))

    # then
    image = reopen(result)
    assert "icc_profile" not in image.info
    assert close_to(image.getpixel((16, 16)), expected, tolerance=4)


def test_an_srgb_profile_is_dropped_without_changing_pixels():
    # given
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (16, 16), (200, 60, 60)), "PNG", icc_profile=srgb)

    # when
    image = reopen(intake_image(upload(data)))

    # then
    assert "icc_profile" not in image.info
    assert image.getpixel((8, 8)) == (200, 60, 60)


def test_a_broken_icc_profile_is_ignored():
    data = encode(Image.new("RGB", (16, 16), (10, 20, 30)), "PNG", icc_profile=b"not a profile")

    image = reopen(intake_image(upload(data)))

    assert image.getpixel((8, 8)) == (10, 20, 30)
    assert "icc_profile" not in image.info


def test_a_cmyk_jpeg_becomes_rgb():
    # given: pure cyan in CMYK
    data = encode(Image.new("CMYK", (32, 32), (255, 0, 0, 0)), "JPEG", quality=95)

    # when
    result = intake_image(upload(data))

    # then
    image = reopen(result)
    assert image.mode == "RGB"
    assert close_to(image.getpixel((16, 16)), (0, 255, 255))


@pytest.mark.parametrize(
    ("colour_type", "pixel", "mode", "expected"),
    [
        pytest.param(0, b"\x9c\x40", "L", 156, id="16-bit-grey"),  # 40000/65535 of full scale
        pytest.param(2, b"\x9c\x40\x00\x00\xff\xff", "RGB", (156, 0, 255), id="16-bit-rgb"),
        pytest.param(
            6, b"\x9c\x40\x00\x00\xff\xff\xff\xff", "RGBA", (156, 0, 255, 255), id="16-bit-rgba"
        ),
    ],
)
def test_a_16_bit_png_is_scaled_to_8_bits_not_clipped(colour_type, pixel, mode, expected):
    # given
    data = handmade_png(12, 8, bit_depth=16, colour_type=colour_type, pixel=pixel)

    # when
    result = intake_image(upload(data))

    # then
    image = reopen(result)
    assert image.mode == mode
    assert image.getpixel((5, 5)) == expected


def test_transparency_is_kept_in_png_and_webp():
    for fmt in ("PNG", "WEBP"):
        data = image_bytes(fmt, (20, 20), (0, 0, 0, 0), mode="RGBA")

        image = reopen(intake_image(upload(data)))

        assert image.mode == "RGBA"
        assert image.getpixel((10, 10))[3] == 0


def test_a_transparent_heic_is_flattened_on_white_in_its_jpeg():
    data = image_bytes("HEIC", (20, 20), (255, 0, 0, 0), mode="RGBA")

    image = reopen(intake_image(upload(data)))

    assert image.mode == "RGB"
    assert close_to(image.getpixel((10, 10)), (255, 255, 255))


# --- animation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_an_animation_keeps_its_frames_durations_and_loop(fmt):
    # given
    colours = ("#ff0000", "#00ff00", "#0000ff")
    data = animated_bytes(fmt, colours, durations=(100, 200, 300), loop=2)

    # when
    result = intake_image(upload(data), thumbnail=True)

    # then
    image = reopen(result)
    assert result.frames == image.n_frames == 3
    assert image.info.get("loop") == 2
    for index, colour in enumerate(colours):
        image.seek(index)
        image.load()  # WebP reads a frame's duration while decoding it
        assert image.info["duration"] == (index + 1) * 100
        assert close_to(image.convert("RGB").getpixel((20, 15)), getrgb(colour))
    assert close_to(
        Image.open(io.BytesIO(result.thumbnail)).convert("RGB").getpixel((20, 15)),
        (255, 0, 0),
    )


def test_an_animation_with_too_many_frames_is_refused():
    # given: tiny frames, but more of them than MAX_FRAMES
    colours = ["#000000", "#ffffff"] * (MAX_FRAMES // 2 + 1)
    data = animated_bytes("GIF", colours, size=(2, 2), durations=[20] * len(colours))

    # when
    error = rejected(data)

    # then
    assert error.code == "image_too_many_frames"
    assert f"{len(colours)} frames" in error.messages[0]


def test_an_animation_over_the_pixel_budget_is_refused():
    # given: each 100x100 frame is fine, ten of them are 100,000 pixels in all
    data = animated_bytes("GIF", ["#000000", "#ffffff"] * 5, size=(100, 100), durations=[50] * 10)

    # when
    error = rejected(data, max_pixels=99_999)

    # then
    assert error.code == "image_too_many_frames"


# --- files and results -------------------------------------------------------------------------


def test_an_upload_spooled_to_disk_is_read_in_place():
    # given: Django's on-disk upload, as for anything over FILE_UPLOAD_MAX_MEMORY_SIZE
    data = encode(photo((640, 480)), "JPEG")
    on_disk = TemporaryUploadedFile("big.jpg", "image/jpeg", len(data), None)
    on_disk.write(data)
    on_disk.flush()

    # when
    result = intake_image(on_disk)

    # then
    assert (result.width, result.height) == (640, 480)
    on_disk.close()


def test_a_plain_django_file_works_too():
    result = intake_image(File(io.BytesIO(image_bytes("GIF")), name="x"))

    assert result.extension == ".gif"


def test_small_results_stay_in_memory_and_large_ones_spill_to_disk():
    # given
    small = intake_image(upload(image_bytes("JPEG", (64, 48))))
    large = intake_image(upload(encode(photo((2000, 1600)), "PNG")), max_bytes=20_000_000)

    # then
    assert small.size < SPOOL_MAX_BYTES
    assert not small.file._rolled
    assert large.size > SPOOL_MAX_BYTES
    assert large.file._rolled


@pytest.mark.parametrize(
    ("size", "progressive"),
    [
        ((4032, 3024), True),  # a 12 MP phone photo
        ((4000, 4000), True),  # exactly the limit
        ((4001, 4000), False),
        ((6000, 4000), False),  # 24 MP
    ],
)
def test_jpegs_above_the_multipass_limit_are_written_baseline(size, progressive):
    # given
    assert (size[0] * size[1] > MULTIPASS_MAX_PIXELS) is not progressive

    # when
    stored = reopen(intake_image(upload(image_bytes("JPEG", size))))

    # then: baseline JPEGs stream out of libjpeg instead of buffering every coefficient
    assert (stored.format, stored.size) == ("JPEG", size)
    assert bool(stored.info.get("progressive")) is progressive


def test_the_result_is_frozen():
    result = intake_image(upload(image_bytes()))

    with pytest.raises(AttributeError):
        result.width = 1


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"GIF89a\x01\x00", "GIF"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "MP4"),
        (b"  <?xml version='1.0'?><svg>", "SVG"),
        (b"<HTML><BODY>", "HTML"),
        (b"hello", "TEXT"),
        (b"\x00\x01\x02", None),
        (b"", None),
    ],
)
def test_sniff_format_reads_only_the_magic_numbers(head, expected):
    assert sniff_format(head) == expected


# --- system check ------------------------------------------------------------------------------


def test_the_system_check_passes_with_the_default_caps():
    assert check_image_support(None) == []


def test_the_system_check_warns_when_the_pixel_cap_exceeds_pillows(settings):
    # given
    settings.IMAGE_MAX_PIXELS = Image.MAX_IMAGE_PIXELS + 1

    # when
    messages = check_image_support(None)

    # then
    assert [message.id for message in messages] == ["ultramine.W001"]
    # and intake still never asks Pillow for more than its limit (no bomb warning escapes)
    assert rejected(handmade_gif(screen=(1, 1), frame=(10_000, 10_000))).code == (
        "image_too_many_pixels"
    )


def test_decodes_are_limited_per_process(settings, monkeypatch):
    # given a limit of one decode at a time, and many threads uploading at once
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from ultraminebackend.files.processing import intake as intake_module

    monkeypatch.setattr(intake_module, "_slots", None)
    settings.IMAGE_INTAKE_CONCURRENCY = 1
    active, peak, lock = 0, 0, threading.Lock()
    real = intake_module._intake

    def counting(*args, **kwargs):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(intake_module, "_intake", counting)

    # when
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(lambda _: intake_image(upload(image_bytes("PNG", (300, 300)))), range(6))
        )

    # then every image went through, one at a time
    assert len(results) == 6
    assert peak == 1
