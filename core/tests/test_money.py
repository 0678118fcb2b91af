"""MoneyField: whole cents in the column, Decimal in Python, the limits fitting together."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import DataError, connection

from core import money, services
from core.models import Order, Product, WalletEntry
from core.money import (
    BALANCE_MAX,
    BIGINT_MAX,
    DEPOSIT_MAX,
    ORDER_TOTAL_MAX,
    PRICE_MAX,
    QUANTITY_MAX,
    MoneyField,
    to_cents,
)

from .helpers import ORDER_FIELDS

JS_SAFE_INTEGER = 2**53 - 1  # the largest integer a JavaScript number holds exactly


def test_the_limits_fit_together():
    # a total is at most the largest price times the largest quantity
    assert ORDER_TOTAL_MAX == PRICE_MAX * QUANTITY_MAX
    # a full wallet can pay the largest order, and a deposit fits in a wallet
    assert ORDER_TOTAL_MAX <= BALANCE_MAX and DEPOSIT_MAX <= BALANCE_MAX
    # a full wallet that gets the largest order refunded still fits, in cents, a JS number
    # (so clients doing arithmetic in cents stay exact) and therefore the BIGINT column
    assert to_cents(BALANCE_MAX + ORDER_TOTAL_MAX) <= JS_SAFE_INTEGER < BIGINT_MAX


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("19.99", Decimal("19.99")),
        (Decimal("0.1"), Decimal("0.10")),
        (19.99, Decimal("19.99")),  # a float through its shortest repr
        (7, Decimal("7.00")),
        ("-3.50", Decimal("-3.50")),
        ("19.990", Decimal("19.99")),  # trailing zeros are not a fraction of a cent
    ],
)
def test_to_python_gives_two_places(given, expected):
    value = MoneyField().to_python(given)

    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("given", ["19.999", "0.001", "abc", "NaN", "Infinity", "1e-3"])
def test_a_fraction_of_a_cent_or_no_number_is_refused_never_rounded(given):
    with pytest.raises(ValidationError) as refused:
        MoneyField().get_prep_value(given)

    assert refused.value.code == "invalid"


def test_the_column_holds_whole_cents(db, make_product):
    product = make_product(price=Decimal("19.99"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT price FROM core_product WHERE id = %s", [product.pk])
        (raw,) = cursor.fetchone()

    assert raw == 1999 and isinstance(raw, int)
    assert Product.objects.get(pk=product.pk).price == Decimal("19.99")
    assert str(Product.objects.values_list("price", flat=True).get(pk=product.pk)) == "19.99"


def test_the_check_and_the_sum_are_exact_on_this_engine(db, user, make_product, credit):
    # given amounts a double cannot hold: 19.99 * 5 and 0.10 * 3 failed the CHECK on SQLite
    for price, quantity in [("19.99", 5), ("19.99", 7), ("0.10", 3)]:
        product = make_product(price=Decimal(price), stock=quantity)
        order = services.order_create(
            user=user, product=product, quantity=quantity, payment_method="cod", **ORDER_FIELDS
        )
        assert Order.objects.get(pk=order.pk).total_price == Decimal(price) * quantity
    # and ten credits of 0.10, which sum to 0.9999999999999999 in floating point
    for _ in range(10):
        credit(user, "0.10")

    assert services.wallet_balance(user=user) == Decimal("1.00")
    assert str(services.wallet_balance(user=user)) == "1.00"


def test_lookups_take_amounts_as_they_are(db, make_product):
    cheap, dear = make_product(price=Decimal("19.50")), make_product(price=Decimal("19.51"))

    # IntegerField would round a float bound up (19.5 → 20) and find neither
    assert set(Product.objects.filter(price__gte=19.5)) == {cheap, dear}
    assert set(Product.objects.filter(price__lt=Decimal("19.51"))) == {cheap}
    assert list(Product.objects.filter(price="19.51")) == [dear]
    # a bound no column holds finds nothing instead of failing
    assert not Product.objects.filter(price__gte=Decimal("1e30")).exists()


def test_an_amount_no_bigint_holds_is_a_data_error_on_every_engine(db, make_product):
    product = make_product()
    product.price = Decimal("1e17")

    with pytest.raises(DataError):
        product.save()


def test_the_admin_form_field_shows_and_takes_decimals():
    field = Product._meta.get_field("price").formfield()

    assert isinstance(field, forms.DecimalField) and field.decimal_places == 2
    assert field.clean("19.99") == Decimal("19.99")
    with pytest.raises(ValidationError):
        field.clean("19.999")
    with pytest.raises(ValidationError):
        field.clean(str(PRICE_MAX + Decimal("0.01")))


def test_model_validation_uses_the_limits_in_units(db, make_product):
    product = make_product(price=Decimal("1.00"))
    product.price = PRICE_MAX

    product.full_clean()  # the largest price is valid (the range is not read as cents)
    product.price = PRICE_MAX + Decimal("0.01")
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert "price" in refused.value.message_dict


def test_money_fields_render_every_amount_the_column_holds():
    field = money.money_serializer_field(read_only=True)

    assert field.to_representation(Decimal(BIGINT_MAX).scaleb(-2)) == "92233720368547758.07"
    assert field.to_representation(WalletEntry._meta.get_field("amount").to_python("-0.10")) == (
        "-0.10"
    )
