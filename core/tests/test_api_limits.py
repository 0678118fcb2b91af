"""Money limits (core/money.py) at the edges: the largest order fits, past them is a 400 naming
the field with nothing stored, a free order touches no wallet."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import services
from core.models import Deposit, Order, Product, WalletEntry
from core.money import BALANCE_MAX, DEPOSIT_MAX, ORDER_TOTAL_MAX, PRICE_MAX, QUANTITY_MAX
from tests.openapi import assert_on_schema
from testsupport.files import image_file

from .helpers import BODY_FORMATS, ORDER_FIELDS, order_form

pytestmark = pytest.mark.django_db

ABOVE_PRICE_MAX = str(PRICE_MAX + Decimal("0.01"))


def product_body(category, **overrides) -> dict:
    return {
        "name": "Rig",
        "slug": "rig-x",
        "price": "10.00",
        "stock": 5,
        "category": category.pk,
        "is_active": True,
        **overrides,
    }


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_the_largest_price_is_accepted_and_one_cent_more_is_a_400(
    client_for, staff_user, category, body_format
):
    staff = client_for(staff_user)

    above = staff.post(
        "/api/core/products/", product_body(category, price=ABOVE_PRICE_MAX), format=body_format
    )
    at_cap = staff.post(
        "/api/core/products/", product_body(category, price=str(PRICE_MAX)), format=body_format
    )

    assert above.status_code == 400 and list(above.json()) == ["price"]
    assert at_cap.status_code == 201, at_cap.json()
    assert at_cap.json()["price"] == "9999999999.99"
    assert Product.objects.get().price == PRICE_MAX


def test_a_price_past_the_cap_is_refused_on_update_too(client_for, staff_user, product):
    response = client_for(staff_user).patch(
        f"/api/core/products/{product.pk}/", {"price": ABOVE_PRICE_MAX}, format="json"
    )

    assert response.status_code == 400 and "price" in response.json()
    product.refresh_from_db()
    assert product.price == Decimal("250.00")


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_more_than_the_quantity_cap_is_a_400_and_takes_no_stock(
    client_for, user, make_product, body_format
):
    product = make_product(stock=5000)

    response = client_for(user).post(
        "/api/core/orders/", order_form(product, quantity=QUANTITY_MAX + 1), format=body_format
    )

    assert response.status_code == 400 and list(response.json()) == ["quantity"]
    assert not Order.objects.exists()
    product.refresh_from_db()
    assert product.stock == 5000


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_the_largest_order_is_stored_exactly_and_every_list_still_renders(
    client_for, user, staff_user, make_product, body_format
):
    # given the most expensive product, in the largest quantity
    product = make_product(price=PRICE_MAX, stock=QUANTITY_MAX)

    # when
    response = client_for(user).post(
        "/api/core/orders/", order_form(product, quantity=QUANTITY_MAX), format=body_format
    )

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["total_price"] == "9999999999990.00" == str(ORDER_TOTAL_MAX)
    assert_on_schema(response)
    assert Order.objects.get().total_price == ORDER_TOTAL_MAX
    for who in (user, staff_user):
        listed = client_for(who).get("/api/core/orders/")
        assert listed.status_code == 200
        assert listed.json()["results"][0]["total_price"] == "9999999999990.00"


def test_the_database_holds_the_price_and_deposit_limits(user, product, deposit_for):
    # not even the shell can store what the API would then fail to multiply or answer
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(price=PRICE_MAX + Decimal("0.01"))
    deposit = deposit_for(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deposit.objects.filter(pk=deposit.pk).update(amount=DEPOSIT_MAX + Decimal("0.01"))


def test_the_service_caps_the_quantity_for_every_caller(user, make_product):
    product = make_product(stock=5000)

    with pytest.raises(ValidationError) as refused:
        services.order_create(
            user=user,
            product=product,
            quantity=QUANTITY_MAX + 1,
            payment_method="cod",
            **ORDER_FIELDS,
        )

    assert list(refused.value.message_dict) == ["quantity"]
    product.refresh_from_db()
    assert product.stock == 5000


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_a_deposit_past_its_cap_is_a_400_naming_amount(client_for, user, body_format):
    body = {"amount": str(DEPOSIT_MAX + Decimal("0.01")), "method": "crypto", "reference": "r"}
    if body_format == "multipart":
        body["proof"] = image_file()

    response = client_for(user).post("/api/core/deposits/", body, format=body_format)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Deposit.objects.exists()


def test_the_largest_deposit_is_accepted(client_for, user):
    body = {"amount": str(DEPOSIT_MAX), "method": "crypto", "proof": image_file()}

    response = client_for(user).post("/api/core/deposits/", body, format="multipart")

    assert response.status_code == 201
    assert response.json()["amount"] == "9999999999.99"


def test_an_approval_past_the_wallet_cap_is_a_400_and_the_deposit_stays_pending(
    client_for, user, staff_user, deposit_for
):
    # given a wallet 5.00 short of its cap
    WalletEntry.objects.create(user=user, amount=BALANCE_MAX - 5, kind="adjustment")
    too_much, exactly = deposit_for(user, "5.01"), deposit_for(user, "5.00")
    staff = client_for(staff_user)

    # when
    refused = staff.post(f"/api/core/deposits/{too_much.pk}/approve/")
    approved = staff.post(f"/api/core/deposits/{exactly.pk}/approve/")

    # then
    assert refused.status_code == 400
    assert "at most 9999999999999.99" in refused.json()["amount"][0]
    assert Deposit.objects.get(pk=too_much.pk).status == "pending"
    assert not WalletEntry.objects.filter(deposit=too_much).exists()
    assert approved.status_code == 200
    wallet = client_for(user).get("/api/core/wallet/")
    assert wallet.json()["balance"] == "9999999999999.99"
    assert_on_schema(wallet)


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_a_free_order_paid_by_wallet_is_paid_and_touches_no_wallet(
    client_for, user, make_product, body_format
):
    # given a free product and an empty wallet
    product = make_product(price=Decimal("0.00"))
    owner = client_for(user)

    # when ordered and paid from the wallet, then cancelled
    placed = owner.post(
        "/api/core/orders/", order_form(product, payment_method="wallet"), format=body_format
    )
    cancelled = owner.post(f"/api/core/orders/{placed.json()['id']}/cancel/")

    # then
    assert placed.status_code == 201, placed.json()
    assert (placed.json()["status"], placed.json()["total_price"]) == ("paid", "0.00")
    assert cancelled.status_code == 200
    assert not WalletEntry.objects.exists()
    assert owner.get("/api/core/wallet/").json()["balance"] == "0.00"
    product.refresh_from_db()
    assert product.stock == 10
