"""Store fixtures: a catalogue, and orders/deposits created through the real services."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from core import services
from core.models import Category, Product
from testsupport.files import image_bytes

from .helpers import ORDER_FIELDS


@pytest.fixture
def category(db):
    return Category.objects.create(name="Rigs", slug="rigs")


@pytest.fixture
def admin_product_form(category):
    """``admin_product_form(**fields)``: the admin's add-product form, no gallery rows."""

    def form(**fields):
        return {
            "name": "Antminer S21",
            "slug": "",
            "price": "10.00",
            "stock": "1",
            "category": category.pk,
            "is_active": "on",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
            **fields,
        }

    return form


@pytest.fixture
def make_product(category):
    counter = iter(range(1, 100_000))

    def make(**fields):
        n = next(counter)
        fields.setdefault("name", f"Rig {n}")
        fields.setdefault("slug", f"rig-{n}")
        fields.setdefault("price", Decimal("250.00"))
        fields.setdefault("stock", 10)
        fields.setdefault("category", category)
        return Product.objects.create(**fields)

    return make


@pytest.fixture
def product(make_product):
    return make_product()


@pytest.fixture
def order_for(product):
    def make(user, **fields):
        fields = {
            **ORDER_FIELDS,
            "product": product,
            "quantity": 1,
            "payment_method": "cod",
            **fields,
        }
        return services.order_create(user=user, **fields)

    return make


@pytest.fixture
def deposit_for():
    def make(user, amount="100.00"):
        return services.deposit_create(
            user=user,
            amount=Decimal(amount),
            method="bank_transfer",
            reference="REF-1",
            proof=ContentFile(image_bytes(), name="proof.jpg"),
        )

    return make


@pytest.fixture
def credit(deposit_for, staff_user):
    """Put money in a user's wallet the way production does: an approved deposit."""

    def give(user, amount="100.00"):
        return services.deposit_approve(deposit=deposit_for(user, amount), reviewer=staff_user)

    return give
