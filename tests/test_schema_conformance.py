"""Responses schemathesis once found off-schema, pinned (the fuzzer itself runs in .ci/run)."""

import pytest

from core import services
from core.models import Category, Product
from tests.openapi import assert_on_schema
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


def test_a_pending_generation_has_no_storage_yet_and_the_schema_says_so(client_for, user):
    response = client_for(user).post(
        "/api/ai-agent/generate-image", {"prompt": "a rig", "async": True}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["storage"] == ""
    assert_on_schema(response)


def test_the_gallery_is_a_plain_list_and_the_schema_says_so(client_for, user):
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig", slug="rig", price="1.00", stock=1, category=category
    )
    services.product_image_add(product=product, image=image_file())

    response = client_for(user).get(f"/api/core/products/{product.pk}/images/")

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert_on_schema(response)


def test_the_checker_catches_an_off_schema_body(client_for, user):
    """The helper must be able to fail: a wallet body with the balance removed is refused."""
    response = client_for(user).get("/api/core/wallet/")
    response.content = b'{"entries": []}'

    with pytest.raises(Exception, match="violates schema"):
        assert_on_schema(response)
