"""Every boolean of every form-accepting endpoint: left out means the default, given values read.

A React form (``FormData``) leaves out what the user did not set; DRF's own ``BooleanField``
reads that as ``False``, which stored inactive products. The table below posts each boolean of
each create endpoint as multipart, left out and with each spelling a form may send; the guard
below it fails if a serializer behind a form-accepting view declares DRF's plain field, so a new
endpoint cannot bring the bug back.
"""

import pytest
from rest_framework import serializers

from ai_agent.models import Generation
from core import services as core_services
from core.models import Category, Product, ProductImage
from tests.endpoints import operations, writable_fields
from testsupport.files import image_file
from ultraminebackend import formdata

pytestmark = pytest.mark.django_db


class _Absent:
    def __str__(self):
        return "absent"


ABSENT = _Absent()
# What a form may send, and what it means: true/false (FormData), on/off (a checkbox).
SPELLINGS = [
    (ABSENT, None),  # left out
    ("true", True),
    ("True", True),
    ("on", True),
    ("false", False),
    ("FALSE", False),
    ("off", False),
]


@pytest.fixture
def store(staff_user):
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig", slug="rig", price="10.00", stock=5, category=category
    )
    core_services.product_image_add(product=product, image=image_file())  # the gallery's first
    return {"category": category, "product": product}


def _stored(model, field):
    return lambda response: getattr(model.objects.get(pk=response.json()["id"]), field)


# (name, who posts, path, body without the boolean, boolean, its default, how to read the result)
# Categories and the gallery image PATCH take no file, so they parse JSON only: no form reaches
# them (a form is a 415, tests/test_api_errors.py).
BOOLEANS = [
    (
        "product.is_active",
        "staff",
        lambda s: "/api/core/products/",
        lambda s: {
            "name": "S21",
            "slug": "s21",
            "price": "5.00",
            "category": s["category"].pk,
            "image": image_file(),
        },
        "is_active",
        True,
        _stored(Product, "is_active"),
    ),
    (
        "gallery.is_primary",
        "staff",
        lambda s: f"/api/core/products/{s['product'].pk}/images/",
        lambda s: {"image": image_file(), "alt_text": "side"},
        "is_primary",
        False,  # the product already has its first (primary) image
        _stored(ProductImage, "is_primary"),
    ),
    (
        "generate-image.async",
        "user",
        lambda s: "/api/ai-agent/generate-image",
        lambda s: {"prompt": "a rig", "reference_image": image_file()},
        "async",
        False,
        _stored(Generation, "is_async"),
    ),
    (
        "generate-image.return_base64",
        "user",
        lambda s: "/api/ai-agent/generate-image",
        lambda s: {"prompt": "a rig", "reference_image": image_file()},
        "return_base64",
        False,
        lambda response: "image_base64" in response.json(),
    ),
]


@pytest.mark.parametrize(("sent", "meaning"), SPELLINGS, ids=[str(sent) for sent, _ in SPELLINGS])
@pytest.mark.parametrize(
    ("who", "path", "body", "name", "default", "read"),
    [case[1:] for case in BOOLEANS],
    ids=[case[0] for case in BOOLEANS],
)
def test_multipart_create_reads_each_boolean_like_json(
    client_for, user, staff_user, store, who, path, body, name, default, read, sent, meaning
):
    data = body(store)
    if sent is not ABSENT:
        data[name] = sent

    response = client_for({"user": user, "staff": staff_user}[who]).post(
        path(store), data, format="multipart"
    )

    assert response.status_code in (201, 202), response.json()
    assert read(response) is (default if sent is ABSENT else meaning)


def test_a_multipart_put_without_the_boolean_leaves_it_alone(client_for, staff_user, store):
    product = store["product"]
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = client_for(staff_user).put(
        f"/api/core/products/{product.pk}/",
        {"name": "Renamed", "price": "10.00", "stock": "5", "category": store["category"].pk},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("Renamed", False)


def test_a_multipart_patch_without_the_boolean_leaves_it_alone(client_for, staff_user, store):
    product = store["product"]
    Product.objects.filter(pk=product.pk).update(is_active=False)

    renamed = client_for(staff_user).patch(
        f"/api/core/products/{product.pk}/", {"name": "Renamed"}, format="multipart"
    )

    assert renamed.status_code == 200
    assert renamed.json()["is_active"] is False


# --- guard ----------------------------------------------------------------------------------


def plain_booleans(serializer) -> list[str]:
    """Writable fields that are DRF's own BooleanField (a left-out form value would be False)."""
    return [
        name
        for name, field in writable_fields(serializer)
        if isinstance(field, serializers.BooleanField)
        and not isinstance(field, formdata.BooleanField)
    ]


def test_no_form_accepting_endpoint_reads_a_boolean_with_drf_own_field():
    offenders, form_booleans = [], []
    for operation in operations():
        if not operation.accepts_forms:
            continue  # JSON only: a left-out key is already "not given"
        for serializer in operation.request_serializers():
            offenders += [f"{operation.key} {name}" for name in plain_booleans(serializer)]
            form_booleans += [
                f"{operation.key} {name}"
                for name, field in writable_fields(serializer)
                if isinstance(field, formdata.BooleanField)
            ]

    assert offenders == []
    # The walk reaches the booleans the table above covers (an empty walk would prove nothing).
    assert {
        "POST /api/core/products/ is_active",
        "POST /api/core/products/{id}/images/ is_primary",
        "POST /api/ai-agent/generate-image/ async",
    } <= set(form_booleans)


def test_the_guard_catches_drf_own_boolean():
    class Regressed(serializers.Serializer):
        ok = formdata.BooleanField(required=False)
        flag = serializers.BooleanField(required=False)
        nested = serializers.ListField(child=serializers.BooleanField())

    assert plain_booleans(Regressed()) == ["flag", "nested[]"]
