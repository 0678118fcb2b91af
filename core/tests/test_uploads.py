"""Uploads through the API: every image goes through the intake; rejections leave nothing behind.

The order endpoint takes both kinds of image: a public ``image`` (with a thumbnail) and the
private ``txid_proof`` (none).
"""

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.models import Order
from testsupport.files import (
    animated_bytes,
    encode,
    exif_bytes,
    halves,
    handmade_png,
    image_bytes,
)

from .helpers import order_form

pytestmark = pytest.mark.django_db


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def every_stored_file(settings):
    roots = (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
    return sorted(str(p) for root in roots for p in root.rglob("*") if p.is_file())


def post_order(client_for, user, product, field, data, **kwargs):
    body = order_form(product, **{field: upload(data, **kwargs)})
    return client_for(user).post("/api/core/orders/", body, format="multipart")


def stored_image(name) -> Image.Image:
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


REJECTED = [
    pytest.param(image_bytes()[:-400], "truncated or corrupt", id="truncated-jpeg"),
    pytest.param(
        handmade_png(60_000, 60_000, rows=0), "the limit is 40000000 pixels", id="png-bomb"
    ),
    pytest.param(
        handmade_png(1, 39_900_000),  # 77 KB, within both caps; 44 s in libvips before
        "its longest side may be at most 30000 pixels",
        id="png-1x39900000-strip",
    ),
    pytest.param(
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "unsupported image format 'svg'",
        id="svg-script",
    ),
    pytest.param(
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "unsupported image format 'html'",
        id="html",
    ),
    pytest.param(
        b"<html><body>" + image_bytes()[:200], "unsupported image format", id="html-jpeg-polyglot"
    ),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"I am text, renamed .jpg\n", "unsupported image format 'text'", id="text-as-jpg"),
]


@pytest.mark.parametrize("field", ["image", "txid_proof"])
@pytest.mark.parametrize(("data", "says"), REJECTED)
def test_rejected_uploads_are_a_clear_400_and_leave_nothing(
    client_for, user, product, settings, field, data, says
):
    # when
    response = post_order(client_for, user, product, field, data)

    # then: a 400 naming the field and the reason, no row, no file anywhere, stock untouched
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()[field]).lower()
    assert not Order.objects.exists()
    assert every_stored_file(settings) == []
    product.refresh_from_db()
    assert product.stock == 10


def test_jpeg_carrying_html_in_a_comment_is_stored_without_it(client_for, user, product):
    # given a valid JPEG whose comment segment holds a script (a classic polyglot)
    data = encode(halves((40, 30)), "JPEG", comment=b"<script>alert(1)</script>")

    name = post_order(client_for, user, product, "image", data).json()["image"]

    with default_storage.open(name) as handle:
        assert b"<script>" not in handle.read()


def test_over_the_byte_cap_is_refused(client_for, user, product, settings):
    settings.IMAGE_MAX_BYTES = 1000

    response = post_order(
        client_for,
        user,
        product,
        "image",
        image_bytes("PNG", (300, 300), mode="RGB", compress_level=0),
    )

    assert response.status_code == 400
    assert "limit is 1000 bytes" in response.json()["image"][0]
    assert every_stored_file(settings) == []


def test_png_named_jpg_is_stored_as_png_with_a_generated_name(client_for, user, product):
    response = post_order(
        client_for, user, product, "image", image_bytes("PNG"), name="holiday.jpg"
    )

    data = response.json()
    assert response.status_code == 201
    assert data["image"].startswith("orders/") and data["image"].endswith(".png")
    assert "holiday" not in data["image"]
    assert stored_image(data["image"]).format == "PNG"


def test_png_named_jpg_through_a_service_or_the_shell_is_stored_as_png(
    make_product, user, settings
):
    # given: no serializer in the way, the model field runs the intake itself
    from core import services
    from ultraminebackend.files.storage.naming import thumbnail_name

    png_called_jpg = ContentFile(image_bytes("PNG"), name="holiday.jpg")

    # when
    product = make_product(image=png_called_jpg)
    deposit = services.deposit_create(
        user=user,
        amount=Decimal("5.00"),
        method="bank_transfer",
        reference="REF-2",
        proof=ContentFile(image_bytes("PNG"), name="proof.jpg"),
    )

    # then: the detected format names the file, as on the API path
    assert product.image.name.startswith("products/") and product.image.name.endswith(".png")
    assert stored_image(product.image.name).format == "PNG"
    assert default_storage.exists(thumbnail_name(product.image.name))
    assert deposit.proof.name.endswith(".png")
    assert (settings.PRIVATE_MEDIA_ROOT / deposit.proof.name).read_bytes()[:4] == b"\x89PNG"


def test_exif_orientation_is_applied_and_gps_stripped(client_for, user, product):
    # given a 60x40 photo whose EXIF says "rotate 90° clockwise" and carries a GPS position
    data = encode(halves((60, 40)), "JPEG", exif=exif_bytes(orientation=6, gps=True))

    stored = stored_image(post_order(client_for, user, product, "image", data).json()["image"])

    assert stored.size == (40, 60)
    assert not stored.getexif()
    assert "exif" not in stored.info


@pytest.mark.parametrize(
    ("data", "fmt", "mode"),
    [
        pytest.param(
            image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0)), "JPEG", "RGB", id="cmyk-jpeg"
        ),
        pytest.param(
            handmade_png(20, 10, bit_depth=16, colour_type=0, pixel=b"\x80\x00"),
            "PNG",
            "L",
            id="16-bit-png",
        ),
        pytest.param(image_bytes("HEIC"), "JPEG", "RGB", id="heic"),
    ],
)
def test_unusual_colour_formats_become_8_bit_rgb_or_grey(
    client_for, user, product, data, fmt, mode
):
    response = post_order(client_for, user, product, "image", data)

    assert response.status_code == 201, response.content
    stored = stored_image(response.json()["image"])
    assert (stored.format, stored.mode) == (fmt, mode)


def test_animated_gif_keeps_its_frames(client_for, user, product):
    response = post_order(client_for, user, product, "image", animated_bytes("GIF"), name="a.gif")

    stored = stored_image(response.json()["image"])
    assert stored.format == "GIF"
    assert stored.n_frames == 3


def test_public_image_gets_a_webp_thumbnail_private_proof_none(
    client_for, client, user, product, settings
):
    settings.IMAGE_THUMBNAIL_SIZE = 50
    data = (
        client_for(user)
        .post(
            "/api/core/orders/",
            order_form(
                product,
                image=upload(image_bytes("JPEG", (200, 100))),
                txid_proof=upload(image_bytes()),
            ),
            format="multipart",
        )
        .json()
    )

    thumb = client.get(data["image_thumbnail_url"])
    assert data["image_thumbnail_url"] == f"http://testserver/media/{data['image'][:-4]}.thumb.webp"
    assert thumb.status_code == 200
    thumbnail = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (50, 25))
    private_files = [p.name for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]
    assert len(private_files) == 1 and not private_files[0].endswith(".webp")


def test_deleting_an_image_removes_its_thumbnail(
    client_for, staff_user, product, django_capture_on_commit_callbacks
):
    client = client_for(staff_user)
    image = client.post(
        f"/api/core/products/{product.pk}/images/",
        {"image": upload(image_bytes())},
        format="multipart",
    ).json()
    thumb_name = image["image"][:-4] + ".thumb.webp"
    assert default_storage.exists(thumb_name)

    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"/api/core/products/{product.pk}/images/{image['id']}/")

    assert not default_storage.exists(image["image"])
    assert not default_storage.exists(thumb_name)


@pytest.mark.usefixtures("s3")
def test_thumbnail_is_stored_beside_the_original_on_s3(client_for, user, product, s3):
    client, bucket = s3

    data = post_order(client_for, user, product, "image", image_bytes()).json()

    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {f"media/{data['image']}", f"media/{data['image'][:-4]}.thumb.webp"}
    assert data["image_thumbnail_url"].endswith(".thumb.webp")


def test_an_upload_that_cannot_get_a_decode_slot_is_a_503_with_retry_after(
    client_for, user, product, settings, monkeypatch
):
    # given: the process's only decode slot held by another upload, and no patience
    from ultraminebackend.files.processing import intake

    monkeypatch.setattr(intake, "_slots", None)
    settings.IMAGE_INTAKE_CONCURRENCY = 1
    settings.IMAGE_INTAKE_WAIT_S = 0
    slots = intake._decode_slots()
    slots.acquire()
    try:
        # when
        response = post_order(client_for, user, product, "image", image_bytes())
    finally:
        slots.release()

    # then: an honest "try again", and nothing stored
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["detail"].startswith("Images are being processed")
    assert not Order.objects.exists()
    assert every_stored_file(settings) == []
