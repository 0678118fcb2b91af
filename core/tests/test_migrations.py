"""0003_money_minor_units on rows written under 0002: every amount arrives as the same cents.

Run on both engines (the suite runs twice): SQLite held these amounts as doubles, PostgreSQL as
NUMERIC; both must come out exact. The migration is also run backwards and forwards again.
"""

from decimal import Decimal

import pytest
from django.db import connection

from testsupport.db import migrate_to

BEFORE = [("core", "0002_product_newest_index")]
AFTER = [("core", "0003_money_minor_units")]

# (price, quantity): amounts a double does not hold exactly, the extremes of the old
# NUMERIC(12, 2) column, and plain ones. Quantities the old SQLite CHECK let through (it compared
# as doubles: 19.99 * 7 was refused, which is what this migration is for).
ORDERS = [
    ("19.99", 1),
    ("0.10", 1),
    ("0.01", 1),
    ("0.00", 3),
    ("250.00", 4),
    ("1234567.89", 1),
    ("9999999999.99", 1),
]
PRICES = [price for price, _ in ORDERS]


def seed(old_apps, user):
    """One product and order per price, a deposit, and ledger entries, as under 0002."""
    Category = old_apps.get_model("core", "Category")
    Product = old_apps.get_model("core", "Product")
    Order = old_apps.get_model("core", "Order")
    Deposit = old_apps.get_model("core", "Deposit")
    WalletEntry = old_apps.get_model("core", "WalletEntry")
    category = Category.objects.create(name="Old", slug="old")
    orders = {}
    for i, (price, quantity) in enumerate(ORDERS):
        product = Product.objects.create(
            name=price, slug=f"p{i}", price=Decimal(price), stock=1, category=category
        )
        orders[price] = Order.objects.create(
            user_id=user.pk,
            product=product,
            quantity=quantity,
            unit_price=Decimal(price),
            total_price=Decimal(price) * quantity,
            payment_method="cod",
            customer_name="A",
            phone="1",
            email="a@example.com",
            shipping_address="x",
        ).pk
    deposit = Deposit.objects.create(
        user_id=user.pk, amount=Decimal("0.10"), method="crypto", proof="deposit_proofs/x.jpg"
    )
    for amount in ("0.10", "-19.99", "999999999999.99"):
        WalletEntry.objects.create(user_id=user.pk, amount=Decimal(amount), kind="adjustment")
    return user.pk, deposit.pk, orders


def assert_exact(new_apps, user_pk, deposit_pk, orders):
    Product = new_apps.get_model("core", "Product")
    Order = new_apps.get_model("core", "Order")
    Deposit = new_apps.get_model("core", "Deposit")
    WalletEntry = new_apps.get_model("core", "WalletEntry")
    assert {str(p.price) for p in Product.objects.all()} == set(PRICES)
    for price, pk in orders.items():
        order = Order.objects.get(pk=pk)
        assert order.unit_price == Decimal(price)
        assert order.total_price == Decimal(price) * order.quantity
    assert Deposit.objects.get(pk=deposit_pk).amount == Decimal("0.10")
    amounts = sorted(WalletEntry.objects.filter(user_id=user_pk).values_list("amount", flat=True))
    assert amounts == [Decimal("-19.99"), Decimal("0.10"), Decimal("999999999999.99")]


@pytest.mark.django_db(transaction=True)
def test_amounts_survive_the_move_to_cents_exactly(make_user):
    # The user through today's model: only core goes back, the accounts table stays as it is.
    user = make_user()
    old_apps = migrate_to(BEFORE)
    try:
        # given rows in the decimal columns
        user_pk, deposit_pk, orders = seed(old_apps, user)

        # when
        new_apps = migrate_to(AFTER)

        # then every amount is the same number of cents, and raw values are integers
        assert_exact(new_apps, user_pk, deposit_pk, orders)
        with connection.cursor() as cursor:
            cursor.execute("SELECT total_price FROM core_order ORDER BY id")
            assert [row[0] for row in cursor.fetchall()][:2] == [1999, 10]
        # and back, and forward again: the same amounts
        migrate_to(BEFORE)
        assert_exact(migrate_to(AFTER), user_pk, deposit_pk, orders)
    finally:
        migrate_to(None)
