"""Catalogue: who sees what, filters, staff management with images, the gallery."""

import pytest
from django.core.files.storage import default_storage

from core.models import Product, ProductImage
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


def test_anonymous_sees_only_active_products(api_client, make_product):
    active = make_product(name="On sale")
    make_product(name="Hidden", is_active=False)

    data = api_client.get("/api/core/products/").json()

    assert data["count"] == 1
    assert [p["id"] for p in data["results"]] == [active.pk]
    assert api_client.get(f"/api/core/products/{active.pk}").status_code == 200


def test_staff_also_see_inactive_products(client_for, staff_user, make_product):
    make_product()
    hidden = make_product(is_active=False)

    data = client_for(staff_user).get("/api/core/products/").json()

    assert data["count"] == 2
    assert client_for(staff_user).get(f"/api/core/products/{hidden.pk}/").status_code == 200


def test_inactive_product_is_404_for_customers(client_for, user, make_product):
    hidden = make_product(is_active=False)

    assert client_for(user).get(f"/api/core/products/{hidden.pk}/").status_code == 404


def test_filter_by_category_id_or_slug_and_search_by_name(api_client, make_product, category):
    from core.models import Category

    other = Category.objects.create(name="Parts", slug="parts")
    rig = make_product(name="Antminer S21")
    make_product(name="Fan kit", category=other)

    by_id = api_client.get(f"/api/core/products/?category={category.pk}").json()
    by_slug = api_client.get("/api/core/products/?category=rigs").json()
    search = api_client.get("/api/core/products/?search=antminer").json()

    assert [p["id"] for p in by_id["results"]] == [rig.pk]
    assert [p["id"] for p in by_slug["results"]] == [rig.pk]
    assert [p["id"] for p in search["results"]] == [rig.pk]


@pytest.mark.parametrize("value", ["¹", "٣", "99999999999999999999999", "-1"])
def test_a_category_filter_that_is_no_id_is_a_slug_that_matches_nothing(
    api_client, make_product, value
):
    make_product()

    response = api_client.get("/api/core/products/", {"category": value})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_numeric_category_slug_is_found_too(api_client, make_product):
    from core.models import Category

    numbered = Category.objects.create(name="2026 models", slug="2026")
    rig = make_product(category=numbered)

    found = api_client.get("/api/core/products/?category=2026").json()

    assert [p["id"] for p in found["results"]] == [rig.pk]


def test_page_size_is_capped_at_100(api_client, make_product):
    for _ in range(3):
        make_product()

    data = api_client.get("/api/core/products/?page_size=1000").json()

    assert data["count"] == 3
    assert len(data["results"]) == 3  # all fit; the cap only limits, it does not error


def test_money_is_a_decimal_string(api_client, product):
    data = api_client.get(f"/api/core/products/{product.pk}/").json()

    assert data["price"] == "250.00"


def test_staff_create_a_product_with_an_image(client_for, staff_user, category):
    response = client_for(staff_user).post(
        "/api/core/products/",
        {
            "name": "S21",
            "slug": "s21",
            "price": "3999.99",
            "stock": 4,
            "category": category.pk,
            "image": image_file("s21.png", fmt="PNG"),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["image"].startswith("products/") and data["image"].endswith(".png")
    assert data["image_url"] == f"http://testserver/media/{data['image']}"
    assert default_storage.exists(data["image"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"stock": -3}, "stock"),
        ({"slug": "has space"}, "slug"),
        ({"image": "not a file"}, "image"),
    ],
)
def test_invalid_product_is_a_400(client_for, staff_user, category, body, field):
    base = {"name": "X", "slug": "x", "price": "1.00", "stock": 1, "category": category.pk}

    response = client_for(staff_user).post(
        "/api/core/products/", {**base, **body}, format="multipart"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Product.objects.exists()


def test_not_an_image_is_a_400_and_stores_nothing(client_for, staff_user, category, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"<svg><script>alert(1)</script></svg>", "image/jpeg")
    base = {"name": "X", "slug": "x", "price": "1.00", "stock": 1, "category": category.pk}

    response = client_for(staff_user).post(
        "/api/core/products/", {**base, "image": fake}, format="multipart"
    )

    assert response.status_code == 400
    assert "image" in response.json()
    assert not list(settings.MEDIA_ROOT.rglob("*.*"))


def test_replacing_the_image_removes_the_old_file_after_commit(
    client_for, staff_user, product, django_capture_on_commit_callbacks
):
    client = client_for(staff_user)
    first = client.patch(
        f"/api/core/products/{product.pk}/", {"image": image_file()}, format="multipart"
    ).json()["image"]

    with django_capture_on_commit_callbacks(execute=True):
        second = client.patch(
            f"/api/core/products/{product.pk}/", {"image": image_file()}, format="multipart"
        ).json()["image"]

    assert first != second
    assert not default_storage.exists(first)
    assert default_storage.exists(second)


def test_deleting_a_product_removes_its_files_after_commit(
    client_for, staff_user, product, django_capture_on_commit_callbacks
):
    client = client_for(staff_user)
    main = client.patch(
        f"/api/core/products/{product.pk}/", {"image": image_file()}, format="multipart"
    ).json()["image"]
    gallery = client.post(
        f"/api/core/products/{product.pk}/images/", {"image": image_file()}, format="multipart"
    ).json()["image"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/core/products/{product.pk}/").status_code == 204

    assert not default_storage.exists(main)
    assert not default_storage.exists(gallery)


def test_ordered_product_cannot_be_deleted(client_for, staff_user, user, product, order_for):
    order_for(user)

    response = client_for(staff_user).delete(f"/api/core/products/{product.pk}/")

    assert response.status_code == 409
    assert Product.objects.filter(pk=product.pk).exists()


# --- gallery ------------------------------------------------------------------------------------


def add_images(client, product, n):
    return [
        client.post(
            f"/api/core/products/{product.pk}/images/",
            {"image": image_file(), "alt_text": f"view {i}"},
            format="multipart",
        ).json()
        for i in range(n)
    ]


def test_gallery_first_image_is_primary_and_positions_grow(client_for, staff_user, product):
    images = add_images(client_for(staff_user), product, 3)

    assert [i["is_primary"] for i in images] == [True, False, False]
    assert [i["position"] for i in images] == [0, 1, 2]
    assert all(i["image_url"].startswith("http://testserver/media/products/") for i in images)


def test_gallery_make_primary_keeps_exactly_one(client_for, staff_user, product):
    client = client_for(staff_user)
    images = add_images(client, product, 3)

    response = client.patch(
        f"/api/core/products/{product.pk}/images/{images[2]['id']}/", {"is_primary": True}
    )

    assert response.status_code == 200
    primaries = ProductImage.objects.filter(product=product, is_primary=True)
    assert list(primaries.values_list("pk", flat=True)) == [images[2]["id"]]


def test_gallery_reorder(client_for, staff_user, api_client, product):
    client = client_for(staff_user)
    ids = [i["id"] for i in add_images(client, product, 3)]

    response = client.post(
        f"/api/core/products/{product.pk}/images/reorder/", {"order": ids[::-1]}, format="json"
    )
    listed = api_client.get(f"/api/core/products/{product.pk}/images/").json()

    assert response.status_code == 200
    assert [i["id"] for i in listed] == ids[::-1]


@pytest.mark.parametrize("order", ["empty", "drop-one", "duplicate", "unknown"])
def test_gallery_reorder_must_name_every_image_once(client_for, staff_user, product, order):
    client = client_for(staff_user)
    ids = [i["id"] for i in add_images(client, product, 2)]
    order = {"empty": [], "drop-one": ids[:1], "duplicate": [ids[0], ids[0]], "unknown": [999999]}[
        order
    ]

    response = client.post(
        f"/api/core/products/{product.pk}/images/reorder/", {"order": order}, format="json"
    )

    assert response.status_code == 400


def test_gallery_image_of_another_product_is_404(client_for, staff_user, make_product):
    client = client_for(staff_user)
    first, second = make_product(), make_product()
    image = add_images(client, first, 1)[0]

    response = client.delete(f"/api/core/products/{second.pk}/images/{image['id']}/")

    assert response.status_code == 404


def test_gallery_delete_removes_the_file(
    client_for, staff_user, product, django_capture_on_commit_callbacks
):
    client = client_for(staff_user)
    image = add_images(client, product, 1)[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/core/products/{product.pk}/images/{image['id']}")

    assert response.status_code == 204
    assert not default_storage.exists(image["image"])
