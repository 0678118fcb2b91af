"""Writes store their files before their transaction, so an upload never holds a lock.

A storage call can take up to its hang budget (10 s); inside ``atomic()`` it would hold the row
locks taken so far (PostgreSQL) or the whole database's write lock (SQLite). The storages here
are the project's own, subclassed only at ``_save``, the boundary where bytes leave the process.
"""

import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection, connections

from core import services
from core.models import Category, Order, Product
from core.tests.helpers import ORDER_FIELDS, order_form
from testsupport.files import image_file, video_file
from ultraminebackend.files.storage.backends import (
    PrivateFileSystemStorage,
    PublicFileSystemStorage,
    PublicS3Storage,
)

pytestmark = pytest.mark.django_db(transaction=True)  # no test-wide transaction around the writes

# --- no storage write inside a transaction --------------------------------------------------------

SAVES: list[tuple[str, bool]] = []  # (stored name, inside atomic() on the default connection)


class _RecordingSaves:
    def _save(self, name, content):
        SAVES.append((name, connection.in_atomic_block))
        return super()._save(name, content)


class RecordingPublicStorage(_RecordingSaves, PublicFileSystemStorage):
    pass


class RecordingPrivateStorage(_RecordingSaves, PrivateFileSystemStorage):
    pass


@pytest.fixture
def saves(settings):
    storages = settings.STORAGES
    settings.STORAGES = {
        **storages,
        "default": {**storages["default"], "BACKEND": f"{__name__}.RecordingPublicStorage"},
        "private": {**storages["private"], "BACKEND": f"{__name__}.RecordingPrivateStorage"},
    }
    SAVES.clear()
    yield SAVES
    SAVES.clear()


@dataclass
class Scene:
    """A customer and a staff member with their API clients, and a product in stock."""

    user: object
    client: object
    staff: object
    staff_client: object
    product: Product


def _order(scene):
    body = order_form(scene.product, image=image_file(), txid_proof=image_file("proof.jpg"))
    return scene.client.post("/api/core/orders/", body, format="multipart")


def _wallet_order(scene):
    deposit = services.deposit_create(
        user=scene.user,
        amount=Decimal("1000.00"),
        method="crypto",
        reference="0xfeed",
        proof=image_file(),
    )
    services.deposit_approve(deposit=deposit, reviewer=scene.staff)
    SAVES.clear()  # the deposit's proof belongs to the setting, not to this write
    body = order_form(scene.product, payment_method="wallet", image=image_file())
    return scene.client.post("/api/core/orders/", body, format="multipart")


def _deposit(scene):
    body = {"amount": "150.00", "method": "crypto", "reference": "0xfeed", "proof": image_file()}
    return scene.client.post("/api/core/deposits/", body, format="multipart")


def _product_create(scene):
    body = {
        "name": "S21",
        "price": "3999.99",
        "stock": 4,
        "category": scene.product.category_id,
        "image": image_file("s21.png", "PNG"),
    }
    return scene.staff_client.post("/api/core/products/", body, format="multipart")


def _product_update(scene):
    url = f"/api/core/products/{scene.product.pk}/"
    return scene.staff_client.patch(url, {"image": image_file()}, format="multipart")


def _gallery_add(scene):
    url = f"/api/core/products/{scene.product.pk}/images/"
    return scene.staff_client.post(url, {"image": image_file()}, format="multipart")


def _generation(scene):
    body = {
        "prompt": "a rig at dawn",
        "reference_image": image_file(),
        "reference_images": [image_file(), image_file("ref.png", "PNG")],
    }
    return scene.client.post("/api/ai-agent/generate-image", body, format="multipart")


def _post(scene):
    body = {"caption": "Launch", "media": [image_file(), video_file("clip.mp4", payload=5000)]}
    return scene.client.post("/api/posts", body, format="multipart")


def _blog(scene):
    body = {"title": "Rigs", "banner": image_file(), "image": image_file("f.png", "PNG")}
    return scene.client.post("/api/blogs", body, format="multipart")


WRITES = [
    _order,
    _wallet_order,
    _deposit,
    _product_create,
    _product_update,
    _gallery_add,
    _generation,
    _post,
    _blog,
]


def _product(stock: int = 10) -> Product:
    category, _ = Category.objects.get_or_create(name="Rigs", slug="rigs")
    return Product.objects.create(
        name="Rig", slug="rig", price=Decimal("250.00"), stock=stock, category=category
    )


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.lstrip("_") for w in WRITES])
def test_no_storage_write_happens_inside_a_transaction(
    write, saves, client_for, user, staff_user, settings
):
    # given a customer, a staff member and a product; the placeholder provider, no CDN
    settings.AI_IMAGE_PROVIDER = "placeholder"
    settings.CLOUDINARY_URL = ""
    scene = Scene(user, client_for(user), staff_user, client_for(staff_user), _product())

    # when the write runs through the API
    response = write(scene)

    # then it stored files, and none while a transaction was open
    assert response.status_code in (200, 201), response.content
    assert saves, "the write stored nothing: the check would prove nothing"
    assert [name for name, in_atomic in saves if in_atomic] == []


# --- a hanging upload holds up nothing else -------------------------------------------------------


class HangingUploads:
    """Uploads from one chosen thread wait until released: an S3 PUT that hangs."""

    def __init__(self):
        self.thread: int | None = None
        self.entered = threading.Event()
        self.release = threading.Event()

    def wait_if_chosen(self):
        if threading.get_ident() == self.thread:
            self.entered.set()
            self.release.wait(60)  # released by the test; the bound only ends a broken run


HANGING = HangingUploads()


class HangingS3Storage(PublicS3Storage):
    def _save(self, name, content):
        HANGING.wait_if_chosen()
        return super()._save(name, content)


@pytest.fixture
def hanging_uploads(settings, s3):
    global HANGING
    HANGING = HangingUploads()
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "BACKEND": f"{__name__}.HangingS3Storage"},
    }
    yield HANGING
    HANGING.release.set()


def _in_thread(fn, outcomes: dict, key: str, *, chosen: HangingUploads | None = None):
    def run():
        if chosen is not None:
            chosen.thread = threading.get_ident()
        try:
            outcomes[key] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"order-{key}")
    thread.start()
    return thread


def test_an_order_whose_upload_hangs_does_not_hold_up_another_order_of_the_product(
    hanging_uploads, user
):
    # given a product, and order A stuck in its image upload (a real thread, a real S3 PUT after)
    product = _product(stock=5)

    def order(**files):
        return services.order_create(
            user=user, product=product, quantity=1, payment_method="cod", **ORDER_FIELDS, **files
        )

    outcomes: dict = {}
    a = _in_thread(lambda: order(image=image_file()), outcomes, "a", chosen=hanging_uploads)
    try:
        assert hanging_uploads.entered.wait(30), "order A never reached its upload"

        # when order B of the same product is placed, with an image of its own
        b = _in_thread(lambda: order(image=image_file()), outcomes, "b")
        b.join(30)  # a bound for a broken run only: B waits for nothing when all is well

        # then B is complete while A is still uploading
        assert not b.is_alive(), "order B waited for order A's upload"
        assert isinstance(outcomes["b"], Order), outcomes["b"]
        assert a.is_alive() and "a" not in outcomes
        assert Product.objects.get(pk=product.pk).stock == 4
    finally:
        hanging_uploads.release.set()
        a.join(60)

    # and A completes once its upload does
    assert isinstance(outcomes["a"], Order), outcomes["a"]
    assert Product.objects.get(pk=product.pk).stock == 3
    assert sorted(Order.objects.values_list("pk", flat=True)) == sorted(
        [outcomes["a"].pk, outcomes["b"].pk]
    )


def test_a_gallery_image_whose_upload_hangs_does_not_hold_up_the_gallery(hanging_uploads):
    # given image A of a product's gallery stuck in its upload
    product = _product()
    outcomes: dict = {}

    def add():
        return services.product_image_add(product=product, image=image_file())

    a = _in_thread(add, outcomes, "a", chosen=hanging_uploads)
    try:
        assert hanging_uploads.entered.wait(30), "image A never reached its upload"

        # when image B is added to the same gallery
        b = _in_thread(add, outcomes, "b")
        b.join(30)  # a bound for a broken run only

        # then B is in the gallery (its primary) while A is still uploading
        assert not b.is_alive(), "image B waited for image A's upload"
        assert (outcomes["b"].position, outcomes["b"].is_primary) == (0, True)
        assert a.is_alive()
    finally:
        hanging_uploads.release.set()
        a.join(60)

    # and A follows it once its upload completes
    assert (outcomes["a"].position, outcomes["a"].is_primary) == (1, False)
