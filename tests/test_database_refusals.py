"""A value the database itself refuses is a 4xx with nothing stored, never a 500.

The backstop in ``ultraminebackend/exceptions.py``: validation refuses such values first, so the
tests make the database refuse real statements by tampering with what reaches it (one column of
the order's INSERT), on whichever engine the suite runs.
"""

import re
from decimal import Decimal

import pytest
from django.db import DataError, connection

from core.models import Category, Order, Product, WalletEntry
from core.tests.helpers import order_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    category = Category.objects.create(name="Rigs", slug="rigs")
    return Product.objects.create(name="Rig", slug="rig", price="19.99", stock=5, category=category)


def tamper(table: str, column: str, change):
    """An execute wrapper that replaces ``column``'s value in the INSERT into ``table``."""
    prefix = f'INSERT INTO "{table}" ('

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(prefix):
            columns = re.match(r"INSERT INTO \"\w+\" \((.*?)\) VALUES", sql).group(1)
            index = [name.strip('" ') for name in columns.split(",")].index(column)
            params = [*params]
            params[index] = change(params[index])
        return execute(sql, params, many, context)

    return wrapper


def assert_nothing_stored(product):
    assert not Order.objects.exists()
    assert not WalletEntry.objects.exists()
    product.refresh_from_db()
    assert product.stock == 5


def test_a_data_error_is_a_400_in_json(client_for, user, product, caplog):
    def refuse(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "core_order"'):
            raise DataError("value out of range")  # what Django raises for the driver's error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        response = client_for(user).post("/api/core/orders/", order_form(product), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A value is out of the range the store accepts; nothing was saved."
    }
    assert_nothing_stored(product)
    assert any(r.levelname == "ERROR" for r in caplog.records)  # a gap in validation, logged


def test_a_check_the_database_holds_is_a_400(client_for, user, product):
    # the total one cent off: the CHECK total = unit price * quantity refuses the row
    with connection.execute_wrapper(tamper("core_order", "total_price", lambda cents: cents + 1)):
        response = client_for(user).post("/api/core/orders/", order_form(product), format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("A value breaks a rule of the store")
    assert_nothing_stored(product)


def test_a_number_past_its_column_is_a_400_on_every_engine(client_for, user, product):
    # PostgreSQL: integer out of range (DataError); SQLite stores it, and the CHECK refuses it
    with connection.execute_wrapper(tamper("core_order", "quantity", lambda _: 2**40)):
        response = client_for(user).post("/api/core/orders/", order_form(product), format="json")

    assert response.status_code == 400
    assert "nothing was saved" in response.json()["detail"]
    assert_nothing_stored(product)


def test_a_unique_race_is_a_409(client_for, user, product):
    # given money in the wallet, and a second payment row for the order as a race would write it
    WalletEntry.objects.create(user=user, amount=Decimal("100.00"), kind="adjustment")

    def pay_twice(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "core_walletentry"') and "order_payment" in params:
            execute(sql, params, many, context)
        return result

    with connection.execute_wrapper(pay_twice):
        response = client_for(user).post(
            "/api/core/orders/", order_form(product, payment_method="wallet"), format="json"
        )

    assert response.status_code == 409
    assert "nothing was saved" in response.json()["detail"]
    assert not Order.objects.exists()
    assert WalletEntry.objects.filter(kind="order_payment").count() == 0
    product.refresh_from_db()
    assert product.stock == 5
