"""Concurrency on PostgreSQL with real threads: one credit per deposit, stock never oversold."""

from decimal import Decimal

from core import services
from core.models import Deposit, Order, Product, WalletEntry
from core.tests.helpers import ORDER_FIELDS
from testsupport.db import POSTGRES_ONLY, run_concurrently
from ultraminebackend.exceptions import Conflict

pytestmark = POSTGRES_ONLY


def test_fifty_concurrent_approvals_credit_exactly_once(user, staff_user, deposit_for):
    deposit = deposit_for(user, "42.00")

    outcomes = run_concurrently(
        50, lambda i: services.deposit_approve(deposit=deposit, reviewer=staff_user)
    )

    assert outcomes.count("ok") == 1
    assert outcomes.count(Conflict.__name__) == 49
    assert WalletEntry.objects.filter(deposit=deposit).count() == 1
    assert services.wallet_balance(user=user) == Decimal("42.00")
    assert Deposit.objects.get(pk=deposit.pk).status == "approved"


def test_thirty_concurrent_orders_never_oversell(user, make_product):
    product = make_product(stock=10)

    outcomes = run_concurrently(
        30,
        lambda i: services.order_create(
            user=user, product=product, quantity=1, payment_method="cod", **ORDER_FIELDS
        ),
    )

    assert outcomes.count("ok") == 10
    assert outcomes.count("ValidationError") == 20
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.filter(product=product).count() == 10


def test_concurrent_wallet_orders_never_overdraw(user, make_product, credit):
    credit(user, "500.00")
    product = make_product(stock=100, price=Decimal("100.00"))

    outcomes = run_concurrently(
        12,
        lambda i: services.order_create(
            user=user, product=product, quantity=1, payment_method="wallet", **ORDER_FIELDS
        ),
    )

    assert outcomes.count("ok") == 5
    assert services.wallet_balance(user=user) == Decimal("0.00")
    assert Product.objects.get(pk=product.pk).stock == 95
