"""Category and product slugs: made from the name when left out, numbered when taken.

Every create runs as JSON and as multipart (the React form), which must agree.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from core.models import Category, Product
from testsupport.files import image_file

pytestmark = pytest.mark.django_db

FORMATS = ["json", "multipart"]
CATEGORIES = "/api/core/categories/"
PRODUCTS = "/api/core/products/"


@pytest.fixture
def staff(client_for, staff_user):
    return client_for(staff_user)


def new_product(category, **fields):
    return {"name": "Antminer S21", "price": "10.00", "category": category.pk, **fields}


def test_a_category_slug_is_made_from_the_name_and_numbered(staff):
    # Categories take no file, so JSON only (a form is a 415: tests/test_api_errors.py).
    slugs = [
        staff.post(CATEGORIES, {"name": name}, format="json").json()["slug"]
        for name in ("Mining Rigs", "Mining rigs!", "Mining  Rigs")
    ]

    assert slugs == ["mining-rigs", "mining-rigs-2", "mining-rigs-3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_product_slug_is_made_from_the_name_and_numbered(staff, category, fmt):
    first = staff.post(PRODUCTS, new_product(category), format=fmt)
    second = staff.post(PRODUCTS, new_product(category, slug=""), format=fmt)

    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["slug"], second.json()["slug"]) == ("antminer-s21", "antminer-s21-2")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "slug"), [("Café crème", "cafe-creme"), ("日本", "product"), ("¡¡¡", "product")]
)
def test_unicode_names_still_give_a_usable_slug(staff, category, fmt, name, slug):
    response = staff.post(PRODUCTS, new_product(category, name=name), format=fmt)

    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == slug
    assert staff.get(f"{PRODUCTS}?search={name}").json()["results"][0]["slug"] == slug


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_given_slug_is_kept(staff, category, fmt):
    response = staff.post(PRODUCTS, new_product(category, slug="s21-hydro"), format=fmt)

    assert response.json()["slug"] == "s21-hydro"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_given_slug_that_is_taken_is_a_400_naming_slug_and_stores_nothing(
    staff, category, make_product, settings, fmt
):
    make_product(slug="s21")
    body = new_product(category, slug="s21")
    if fmt == "multipart":
        body["image"] = image_file()

    response = staff.post(PRODUCTS, body, format=fmt)
    taken_category = staff.post(CATEGORIES, {"name": "X", "slug": category.slug}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"slug": ["A product with the slug 's21' exists."]},
    )
    assert taken_category.json() == {"slug": ["A category with the slug 'rigs' exists."]}
    assert Product.objects.count() == 1
    assert Category.objects.count() == 1
    assert not list(settings.MEDIA_ROOT.rglob("*.*"))  # the image was not stored


def test_updates_keep_the_slug_unless_another_free_one_is_given(staff, make_product):
    product, other = make_product(slug="s21"), make_product(slug="l7")
    url = f"{PRODUCTS}{product.pk}/"

    renamed = staff.patch(url, {"name": "Renamed", "slug": ""}, format="multipart")
    taken = staff.patch(url, {"slug": other.slug}, format="json")
    moved = staff.patch(url, {"slug": "s21-pro"}, format="json")
    same = staff.put(
        f"{CATEGORIES}{product.category_id}/", {"name": "Rigs", "slug": "rigs"}, format="json"
    )

    assert (renamed.status_code, renamed.json()["slug"]) == (200, "s21")
    assert (taken.status_code, taken.json()) == (
        400,
        {"slug": ["A product with the slug 'l7' exists."]},
    )
    assert (moved.status_code, moved.json()["slug"]) == (200, "s21-pro")
    assert same.status_code == 200  # its own slug is not "taken"


def test_changing_the_category_answers_the_new_category_name(staff, product):
    parts = Category.objects.create(name="Parts", slug="parts")

    response = staff.patch(f"{PRODUCTS}{product.pk}/", {"category": parts.pk}, format="multipart")

    assert response.json()["category_name"] == "Parts"


def test_the_schema_says_slug_is_optional():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    assert "slug" not in schemas["CategoryRequest"]["required"]
    assert "slug" not in schemas["ProductRequest"]["required"]


# --- the admin's add form --------------------------------------------------------------------


def test_the_admin_makes_a_blank_slug_from_the_name(admin_client, admin_product_form):
    for _ in range(2):
        response = admin_client.post("/admin/core/product/add/", admin_product_form())
        assert response.status_code == 302
    admin_client.post("/admin/core/product/add/", admin_product_form(name="日本"))
    admin_client.post("/admin/core/category/add/", {"name": "Rigs", "slug": ""})

    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "antminer-s21",
        "antminer-s21-2",
        "product",
    ]
    assert sorted(Category.objects.values_list("slug", flat=True)) == ["rigs", "rigs-2"]


def test_the_admin_refuses_a_taken_slug_on_the_form(admin_client, admin_product_form, make_product):
    make_product(slug="s21")

    response = admin_client.post("/admin/core/product/add/", admin_product_form(slug="s21"))

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Product.objects.count() == 1
