"""Load: 200 mixed requests from 20 concurrent clients, uploads included, on PostgreSQL.

A real HTTP server (pytest-django's ``live_server``, threaded) and real clients (``requests``)
on 127.0.0.1. Every client is a customer who lists, orders with a photo and a payment proof,
uploads a deposit proof, reads the wallet and its own rows. Then: no errors at all, and every
stored file is present on disk and referenced by exactly one row (thumbnails beside their
originals), with nothing left over. SQLite cannot take this concurrency, hence PostgreSQL only.
"""

import threading
from collections import Counter
from decimal import Decimal

import requests
from django.apps import apps
from rest_framework_simplejwt.tokens import RefreshToken

from core.models import Category, Deposit, Order, Product
from testsupport.db import POSTGRES_ONLY
from testsupport.files import image_bytes
from ultraminebackend.files.storage.modelfields import managed_fields

pytestmark = POSTGRES_ONLY  # 20 concurrent writers need PostgreSQL

CLIENTS = 20
TIMEOUT_S = 60
ORDER = {
    "quantity": "1",
    "customer_name": "Ann Buyer",
    "phone": "+15550100",
    "email": "ann@example.com",
    "shipping_address": "1 Mine Road",
}


def jpeg(color: str) -> tuple[str, bytes, str]:
    return ("photo.jpg", image_bytes("JPEG", (96, 64), color=color), "image/jpeg")


def customer_session(base: str, token: str, product_id: int, n: int) -> list[tuple[str, int]]:
    """Ten requests as one customer would send them; returns (what, status) for each."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    color = f"#{(n * 40) % 256:02x}{(n * 90) % 256:02x}80"
    done: list[tuple[str, int]] = []

    def call(what, method, path, expected, **kwargs):
        response = http.request(method, base + path, timeout=TIMEOUT_S, **kwargs)
        done.append((what, response.status_code if response.status_code != expected else 0))
        return response

    call("list products", "GET", "/api/core/products/?page_size=50", 200)
    order = call(
        "order with photo and proof",
        "POST",
        "/api/core/orders/",
        201,
        data={**ORDER, "product": product_id, "payment_method": "crypto", "txid": f"tx{n}"},
        files={"image": jpeg(color), "txid_proof": jpeg(color)},
    ).json()
    call("wallet", "GET", "/api/core/wallet/", 200)
    call(
        "deposit with proof",
        "POST",
        "/api/core/deposits/",
        201,
        data={"amount": "25.00", "method": "crypto", "reference": f"dep{n}"},
        files={"proof": jpeg(color)},
    )
    call("own orders", "GET", "/api/core/orders/", 200)
    call("own order", "GET", f"/api/core/orders/{order.get('id', 0)}/", 200)
    call(
        "order with photo",
        "POST",
        "/api/core/orders/",
        201,
        data={**ORDER, "product": product_id, "payment_method": "cod"},
        files={"image": jpeg(color)},
    )
    call("own deposits", "GET", "/api/core/deposits/", 200)
    call("product", "GET", f"/api/core/products/{product_id}/", 200)
    call("health", "GET", "/api/health/", 200)
    return done


def stored_files(settings) -> set[str]:
    roots = (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
    return {
        path.relative_to(root).as_posix()
        for root in roots
        if root.exists()
        for path in root.rglob("*")
        if path.is_file()
    }


def referenced_names() -> Counter:
    """Every name a row's file field holds, with the variants stored beside it."""
    names: Counter = Counter()
    for model in apps.get_models():
        for field in managed_fields(model):
            for name in model.objects.exclude(**{field.attname: ""}).values_list(
                field.attname, flat=True
            ):
                names.update(field.stored_names(name))
    return names


def test_twenty_clients_two_hundred_mixed_requests_no_errors_every_file_once(
    live_server, make_user, settings
):
    # given a product in stock and 20 customers
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig", slug="rig", price=Decimal("10.00"), stock=1000, category=category
    )
    tokens = [str(RefreshToken.for_user(make_user()).access_token) for _ in range(CLIENTS)]
    results: list[list[tuple[str, int]]] = [[] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def client(n):
        barrier.wait()
        results[n] = customer_session(live_server.url, tokens[n], product.pk, n)

    # when they all send their requests at once
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S * 2)

    # then every request got the answer it expected
    calls = [call for session in results for call in session]
    assert len(calls) == CLIENTS * 10
    assert [call for call in calls if call[1]] == []  # (what, unexpected status)
    assert Order.objects.count() == 2 * CLIENTS
    assert Deposit.objects.count() == CLIENTS
    assert Product.objects.get(pk=product.pk).stock == 1000 - 2 * CLIENTS
    # and every file is on disk and referenced by exactly one row, nothing else stored
    referenced = referenced_names()
    assert [name for name, count in referenced.items() if count != 1] == []
    assert len(referenced) == 2 * (2 * CLIENTS) + CLIENTS + CLIENTS  # photos+thumbs, proofs
    assert stored_files(settings) == set(referenced)
