"""0005_proof_checks claims the txids live rows already hold, the oldest row keeping a repeat."""

from decimal import Decimal

import pytest
from django.utils import timezone

from testsupport.db import migrate_to

BEFORE = [("core", "0004_gallery_primary_is_first")]
AFTER = [("core", "0005_proof_checks")]


def seed(old_apps, user) -> dict:
    """Orders and deposits as they stood before txids were claimed, repeats included."""
    Category = old_apps.get_model("core", "Category")
    Product = old_apps.get_model("core", "Product")
    Order = old_apps.get_model("core", "Order")
    Deposit = old_apps.get_model("core", "Deposit")
    product = Product.objects.create(
        name="Rig",
        slug="rig",
        price=Decimal("1.00"),
        stock=9,
        category=Category.objects.create(name="Rigs", slug="rigs"),
    )

    def order(txid, status="pending"):
        return Order.objects.create(
            user_id=user.pk,
            product=product,
            quantity=1,
            unit_price=Decimal("1.00"),
            total_price=Decimal("1.00"),
            payment_method="crypto",
            status=status,
            customer_name="A",
            phone="1",
            email="a@example.com",
            shipping_address="x",
            txid=txid,
        ).pk

    def deposit(reference, method="crypto", status="pending"):
        reviewed = {} if status == "pending" else {"reviewed_by_id": user.pk}
        if status != "pending":
            reviewed |= {"reviewed_at": timezone.now(), "rejection_reason": "no"}
        return Deposit.objects.create(
            user_id=user.pk,
            amount=Decimal("1.00"),
            method=method,
            reference=reference,
            status=status,
            proof="deposit_proofs/x.jpg",
            **reviewed,
        ).pk

    return {
        "first": order("0xAAAABBBBCCCCDDDD"),
        "repeat": deposit("aaaabbbbccccdddd"),  # the same hash: the order keeps it
        "cancelled": order("tx-cancelled", status="cancelled"),
        "rejected": deposit("tx-rejected", status="rejected"),
        "bank": deposit("rent", method="bank_transfer"),
        "live": deposit("tx-live"),
    }


@pytest.mark.django_db(transaction=True)
def test_live_txids_are_claimed_oldest_first(make_user):
    user = make_user()
    old_apps = migrate_to(BEFORE)
    try:
        rows = seed(old_apps, user)

        new_apps = migrate_to(AFTER)

        claims = {
            claim.key: (claim.order_id, claim.deposit_id)
            for claim in new_apps.get_model("core", "UsedTxid").objects.all()
        }
        assert claims == {
            "aaaabbbbccccdddd": (rows["first"], None),
            "tx-live": (None, rows["live"]),
        }
    finally:
        migrate_to(None)
