"""What tracking stored file names costs a list: our descriptor vs a post_init handler.

Run: .venv/bin/python bench/file_tracking.py   (how it measures: bench/README.md)
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="bench-files-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/db.sqlite3"
os.environ["MEDIA_ROOT"] = f"{_tmp}/media"
os.environ["PRIVATE_MEDIA_ROOT"] = f"{_tmp}/private"
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db.models.signals import post_init  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.harness.report import Row, report  # noqa: E402
from bench.harness.seed import EMAIL, PASSWORD  # noqa: E402
from core.models import Category, Order, Product  # noqa: E402
from ultraminebackend.files.storage.modelfields import (  # noqa: E402
    managed_fields,
    stored_name_getter,
)

ROWS, ROUNDS = 1000, 7


def seed() -> None:
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email=EMAIL, password=PASSWORD)
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig", slug="rig", price=Decimal("10.00"), stock=1, category=category
    )
    Order.objects.bulk_create(
        Order(
            user=user,
            product=product,
            quantity=1,
            unit_price=Decimal("10.00"),
            total_price=Decimal("10.00"),
            payment_method="crypto",
            customer_name="A",
            phone="1",
            email="a@example.com",
            shipping_address="x",
            image=f"orders/{i:032x}.jpg",
            txid_proof=f"txid_proofs/{i:032x}.jpg",
        )
        for i in range(ROWS)
    )


_FIELDS = [field.attname for field in managed_fields(Order)]
_NAMES = [stored_name_getter(attname) for attname in _FIELDS]


def remember_names_on_load(sender, instance, **kwargs):
    """django-cleanup's post_init: every file field's FieldFile, kept per row."""
    instance._cleanup_cache = {
        attname: getattr(instance, attname).name
        for attname in _FIELDS
        if attname in instance.__dict__
    }


def load_and_read_names() -> float:
    started = time.perf_counter()
    for order in Order.objects.all():
        for name in _NAMES:
            name(order)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    seed()
    ours, handler = [], []
    load_and_read_names()  # warm
    for _ in range(ROUNDS):
        ours.append(load_and_read_names())
        post_init.connect(remember_names_on_load, sender=Order)
        try:
            handler.append(load_and_read_names())
        finally:
            post_init.disconnect(remember_names_on_load, sender=Order)
    ours_ms, handler_ms = statistics.median(ours), statistics.median(handler)
    report(
        [
            Row(
                "file names", f"{ROWS} orders loaded, descriptor (ours)", ours_ms, "ms", 1.0, "ours"
            ),
            Row(
                "file names",
                f"{ROWS} orders loaded, post_init handler (django-cleanup's way)",
                handler_ms,
                "ms",
                handler_ms / ours_ms,
                "ours",
            ),
        ]
    )


if __name__ == "__main__":
    main()
