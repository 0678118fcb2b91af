"""Concurrency on PostgreSQL with real threads: a txid submitted at once by several requests."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from core import services
from core.models import Deposit, Order, UsedTxid
from core.tests.helpers import ORDER_FIELDS
from testsupport.db import POSTGRES_ONLY, run_concurrently
from testsupport.files import encode, receipt

pytestmark = POSTGRES_ONLY


def proof(seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("r.jpg", encode(receipt(seed), "JPEG"), "image/jpeg")


def test_orders_racing_with_one_txid_exactly_one_wins(user, make_product, settings):
    product = make_product(stock=100)

    outcomes = run_concurrently(
        8,
        lambda i: services.order_create(
            user=user,
            product=product,
            quantity=1,
            payment_method="crypto",
            txid="0xRACE00000000000001",
            txid_proof=proof(i),
            **ORDER_FIELDS,
        ),
    )

    assert outcomes.count("ok") == 1
    assert outcomes.count("ValidationError") == 7
    assert Order.objects.count() == 1 and UsedTxid.objects.count() == 1
    assert product.__class__.objects.get(pk=product.pk).stock == 99  # the losers' stock is back
    # the losers' proofs were deleted with their rows
    assert len(list((settings.PRIVATE_MEDIA_ROOT / "txid_proofs").glob("*"))) == 1


def test_orders_and_deposits_racing_with_one_txid_exactly_one_wins(user, other_user, product):
    def submit(i):
        if i % 2:
            services.deposit_create(
                user=other_user,
                amount=Decimal("10.00"),
                method="crypto",
                reference="race-tx",
                proof=proof(i),
            )
        else:
            services.order_create(
                user=user,
                product=product,
                quantity=1,
                payment_method="crypto",
                txid="race-tx",
                **ORDER_FIELDS,
            )

    outcomes = run_concurrently(6, submit)

    assert outcomes.count("ok") == 1
    assert Order.objects.count() + Deposit.objects.count() == 1
    claim = UsedTxid.objects.get(key="race-tx")
    assert (claim.order_id or claim.deposit_id) is not None
