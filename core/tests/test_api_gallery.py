"""The gallery's primary is its first image: reorder, make-primary, delete and add keep it so.

``cover_url`` answers which picture the shop shows: the product's ``image``, else the primary.
"""

import importlib

import pytest
from django.apps import apps

from core import services
from core.models import ProductImage
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client_for, staff_user):
    return client_for(staff_user)


def gallery_url(product, image_id=None):
    base = f"/api/core/products/{product.pk}/images/"
    return base if image_id is None else f"{base}{image_id}/"


def add(client, product, **fields):
    response = client.post(
        gallery_url(product), {"image": image_file(), **fields}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def listed(client, product) -> list[tuple[int, int, bool]]:
    """(id, position, is_primary) of each image, in the order the API answers."""
    images = client.get(gallery_url(product)).json()
    return [(image["id"], image["position"], image["is_primary"]) for image in images]


def assert_rule(client, product, ids: list[int]) -> None:
    """The gallery is ``ids`` in order, positions 0..n-1, the first (only) primary, everywhere."""
    expected = [(pk, position, position == 0) for position, pk in enumerate(ids)]
    assert listed(client, product) == expected
    detail = client.get(f"/api/core/products/{product.pk}/").json()
    assert [(i["id"], i["position"], i["is_primary"]) for i in detail["images"]] == expected
    stored = ProductImage.objects.filter(product=product).order_by("position")
    assert list(stored.values_list("pk", "position", "is_primary")) == expected


def test_added_images_go_last_and_the_first_is_primary(staff, product):
    ids = [add(staff, product)["id"] for _ in range(3)]

    assert_rule(staff, product, ids)


@pytest.mark.parametrize("sent", [True, "true"])
def test_an_image_added_as_primary_goes_first(staff, product, sent):
    a, b = add(staff, product)["id"], add(staff, product)["id"]

    added = add(staff, product, is_primary=sent)

    assert (added["position"], added["is_primary"]) == (0, True)
    assert_rule(staff, product, [added["id"], a, b])


def test_a_reorder_moves_primacy_with_the_first_image(staff, product):
    a, b, c = (add(staff, product)["id"] for _ in range(3))

    response = staff.post(gallery_url(product) + "reorder/", {"order": [c, a, b]}, format="json")

    assert response.status_code == 200
    assert [(i["id"], i["is_primary"]) for i in response.json()] == [
        (c, True),
        (a, False),
        (b, False),
    ]
    assert_rule(staff, product, [c, a, b])


def test_making_an_image_primary_moves_it_to_the_front(staff, product):
    a, b, c = (add(staff, product)["id"] for _ in range(3))

    response = staff.patch(gallery_url(product, c), {"is_primary": True}, format="json")

    assert response.status_code == 200
    assert (response.json()["position"], response.json()["is_primary"]) == (0, True)
    assert_rule(staff, product, [c, a, b])  # the others keep their order


def test_unmarking_the_primary_is_a_400_and_a_no_op_elsewhere(staff, product):
    a, b = add(staff, product)["id"], add(staff, product)["id"]

    refused = staff.patch(gallery_url(product, a), {"is_primary": False}, format="json")
    ignored = staff.patch(
        gallery_url(product, b), {"is_primary": False, "alt_text": "back"}, format="json"
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["is_primary"]
    assert (ignored.status_code, ignored.json()["alt_text"]) == (200, "back")
    assert_rule(staff, product, [a, b])


def test_deleting_the_primary_promotes_the_next_image(staff, product):
    a, b, c = (add(staff, product)["id"] for _ in range(3))

    response = staff.delete(gallery_url(product, a))

    assert response.status_code == 204
    assert_rule(staff, product, [b, c])
    assert staff.delete(gallery_url(product, c)).status_code == 204
    assert_rule(staff, product, [b])
    assert staff.delete(gallery_url(product, b)).status_code == 204
    assert_rule(staff, product, [])


def test_a_sequence_of_edits_never_breaks_the_rule(staff, product):
    ids = [add(staff, product)["id"] for _ in range(4)]
    steps = [
        ("reorder", [ids[3], ids[1], ids[0], ids[2]]),
        ("primary", ids[2]),
        ("delete", ids[3]),
        ("add_first", None),
        ("delete", None),  # the current primary
        ("add", None),
    ]
    order = [ids[3], ids[1], ids[0], ids[2]]
    for step, arg in steps:
        if step == "reorder":
            staff.post(gallery_url(product) + "reorder/", {"order": arg}, format="json")
            order = list(arg)
        elif step == "primary":
            staff.patch(gallery_url(product, arg), {"is_primary": True}, format="json")
            order = [arg, *(pk for pk in order if pk != arg)]
        elif step == "delete":
            arg = order[0] if arg is None else arg
            staff.delete(gallery_url(product, arg))
            order = [pk for pk in order if pk != arg]
        elif step == "add_first":
            order = [add(staff, product, is_primary="true")["id"], *order]
        else:
            order = [*order, add(staff, product)["id"]]
        assert_rule(staff, product, order)


# --- which picture is the product's --------------------------------------------------------


def test_the_cover_is_the_image_else_the_gallery_primary(staff, api_client, product):
    detail = f"/api/core/products/{product.pk}/"
    assert api_client.get(detail).json()["cover_url"] is None

    a, b = add(staff, product), add(staff, product)
    assert api_client.get(detail).json()["cover_url"] == a["image_url"]

    staff.post(gallery_url(product) + "reorder/", {"order": [b["id"], a["id"]]}, format="json")
    answered = api_client.get(detail).json()
    assert (answered["cover_url"], answered["cover_thumbnail_url"]) == (
        b["image_url"],
        b["image_thumbnail_url"],
    )

    own = staff.patch(detail, {"image": image_file()}, format="multipart").json()
    listed_product = api_client.get("/api/core/products/").json()["results"][0]
    assert own["cover_url"] == own["image_url"] == listed_product["cover_url"]
    assert listed_product["cover_thumbnail_url"] == own["image_thumbnail_url"]


# --- the admin's inline and older data ------------------------------------------------------


def test_the_admin_inline_orders_by_position_and_derives_the_primary(client, staff_user, product):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    a = services.product_image_add(product=product, image=image_file())
    b = services.product_image_add(product=product, image=image_file())
    form = {
        "name": product.name,
        "slug": product.slug,
        "price": "10.00",
        "stock": "1",
        "category": product.category_id,
        "is_active": "on",
        "images-TOTAL_FORMS": "2",
        "images-INITIAL_FORMS": "2",
        "images-0-id": a.pk,
        "images-0-product": product.pk,
        "images-0-position": "5",
        "images-1-id": b.pk,
        "images-1-product": product.pk,
        "images-1-position": "1",
    }

    response = client.post(f"/admin/core/product/{product.pk}/change/", form)

    assert response.status_code == 302
    stored = ProductImage.objects.filter(product=product).order_by("position")
    assert list(stored.values_list("pk", "position", "is_primary")) == [
        (b.pk, 0, True),
        (a.pk, 1, False),
    ]


def test_the_migration_moves_each_marked_primary_to_the_front(make_product):
    # given: rows as the old reorder left them (primary on an image that is no longer first)
    migration = importlib.import_module("core.migrations.0004_gallery_primary_is_first")
    reordered, unmarked = make_product(), make_product()
    rows = [
        ProductImage.objects.create(product=reordered, image=image_file(), position=p)
        for p in (0, 1, 2)
    ]
    ProductImage.objects.filter(pk=rows[1].pk).update(is_primary=True)
    loose = [
        ProductImage.objects.create(product=unmarked, image=image_file(), position=p)
        for p in (3, 7)
    ]

    # when
    migration.primary_first(apps, None)

    # then
    def state(product):
        stored = ProductImage.objects.filter(product=product).order_by("position")
        return list(stored.values_list("pk", "position", "is_primary"))

    assert state(reordered) == [
        (rows[1].pk, 0, True),
        (rows[0].pk, 1, False),
        (rows[2].pk, 2, False),
    ]
    assert state(unmarked) == [(loose[0].pk, 0, True), (loose[1].pk, 1, False)]
