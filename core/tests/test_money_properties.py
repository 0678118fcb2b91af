"""Property-based money tests through the API, on whichever engine the suite runs (it runs twice).

Each example runs in a savepoint that is rolled back, so examples do not see each other's rows
while the user, category and clients (function-scoped fixtures) are shared by all of them.
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import services
from core.models import Order, Product
from core.money import PRICE_MAX, QUANTITY_MAX, from_cents, to_cents
from testsupport.files import image_bytes

from .helpers import order_form

pytestmark = pytest.mark.django_db

# deadline=None: a request's time varies with the machine's load, and that is not the property.
# database=None: nothing written to the work tree. The fixtures are shared on purpose (above).
PROPERTY = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def new_product(category, *, price: Decimal, stock: int) -> Product:
    serial = Product.objects.count() + 1  # unique inside the example's savepoint
    return Product.objects.create(
        name=f"P{serial}", slug=f"p-{serial}", price=price, stock=stock, category=category
    )


@settings(PROPERTY, max_examples=100)
@given(
    cents=st.integers(min_value=1, max_value=to_cents(PRICE_MAX)),
    quantity=st.integers(min_value=1, max_value=QUANTITY_MAX),
    body_format=st.sampled_from(["json", "multipart"]),
)
# The pairs SQLite's floating-point CHECK refused, and the corners of the allowed range.
@example(cents=1999, quantity=5, body_format="json")
@example(cents=1999, quantity=7, body_format="multipart")
@example(cents=10, quantity=3, body_format="json")
@example(cents=1, quantity=1, body_format="json")
@example(cents=to_cents(PRICE_MAX), quantity=QUANTITY_MAX, body_format="multipart")
def test_every_order_in_the_allowed_range_is_placed_with_an_exact_total(
    client_for, user, category, cents, quantity, body_format
):
    price = from_cents(cents)
    with rolled_back():
        # given
        product = new_product(category, price=price, stock=quantity)

        # when
        response = client_for(user).post(
            "/api/core/orders/", order_form(product, quantity=quantity), format=body_format
        )

        # then the answer and the stored row both hold the exact total
        assert response.status_code == 201, response.json()
        data = response.json()
        assert Decimal(data["unit_price"]) == price
        assert Decimal(data["total_price"]) == price * quantity
        assert data["total_price"] == f"{price * quantity:.2f}"
        stored = Order.objects.get(pk=data["id"])
        assert (stored.unit_price, stored.total_price) == (price, price * quantity)
        # and lists that contain it still render
        assert client_for(user).get("/api/core/orders/").status_code == 200


deposits = st.tuples(st.just("deposit"), st.integers(min_value=1, max_value=10**9))
wallet_orders = st.tuples(
    st.just("order"),
    st.tuples(st.integers(min_value=0, max_value=10**8), st.integers(min_value=1, max_value=5)),
)
cancels = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20))


@settings(PROPERTY, max_examples=40)
@given(steps=st.lists(st.one_of(deposits, wallet_orders, cancels), min_size=1, max_size=8))
def test_the_wallet_is_the_exact_sum_of_what_happened_and_never_negative(
    client_for, user, staff_user, category, steps
):
    owner, staff = client_for(user), client_for(staff_user)
    with rolled_back():
        expected, placed = Decimal("0.00"), []  # placed: [(order id, total, cancelled)]
        for kind, argument in steps:
            if kind == "deposit":
                deposit = services.deposit_create(
                    user=user,
                    amount=from_cents(argument),
                    method="crypto",
                    reference="",
                    proof=ContentFile(image_bytes(size=(8, 8)), name="p.jpg"),
                )
                response = staff.post(f"/api/core/deposits/{deposit.pk}/approve/")
                assert response.status_code == 200, response.json()
                expected += from_cents(argument)
            elif kind == "order":
                cents, quantity = argument
                product = new_product(category, price=from_cents(cents), stock=quantity)
                total = from_cents(cents) * quantity
                response = owner.post(
                    "/api/core/orders/",
                    order_form(product, quantity=quantity, payment_method="wallet"),
                    format="json",
                )
                if total <= expected:
                    assert response.status_code == 201, response.json()
                    assert response.json()["status"] == "paid"
                    placed.append([response.json()["id"], total, False])
                    expected -= total
                else:
                    assert response.status_code == 400
                    assert response.json()["payment_method"]
            elif placed:
                entry = placed[argument % len(placed)]
                response = owner.post(f"/api/core/orders/{entry[0]}/cancel/")
                if entry[2]:
                    assert response.status_code == 400  # cancelled is final: one refund
                else:
                    assert response.status_code == 200, response.json()
                    entry[2] = True
                    expected += entry[1]
            balance = owner.get("/api/core/wallet/").json()["balance"]
            assert balance == f"{expected:.2f}"
            assert Decimal(balance) >= 0
        assert services.wallet_balance(user=user) == expected
