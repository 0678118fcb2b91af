"""Fault injection with real failures, not mocks: what a user sees when a dependency breaks.

* S3 refusing connections, answering 500, or hanging: an upload answers a clear 503 within the
  storage client's timeouts and leaves no row (and no stock taken).
* The database refusing connections: ``/api/health/`` answers 503 naming it, and the API answers
  503 rather than 500 (a real gunicorn pointed at a closed PostgreSQL port).
* The AI provider hanging: 504 within ``AI_TIMEOUT_S`` with the record failed is
  ``ai_agent/tests/test_api_generate.py::test_slow_provider_is_504_within_the_timeout`` (the
  fake Gemini server stalls); not repeated here.
"""

import http.client
import json
import tempfile
import time
from pathlib import Path

import pytest

from core.models import Category, Order, Product
from core.tests.helpers import order_form
from testsupport.faults import Answers500, Hangs, closed_port
from testsupport.files import image_file
from testsupport.liveserver import LiveServer, production_env
from ultraminebackend.files.storage.config import S3_MAX_ATTEMPTS, S3Config, build_storages

STORAGE_503 = "File storage is unavailable; nothing was saved. Try again shortly."
PRODUCTION_S3 = S3Config(bucket_name="unused")
# The longest a hung S3 may hold an upload: every attempt waits out the read timeout.
HANG_BUDGET_S = PRODUCTION_S3.read_timeout_s * S3_MAX_ATTEMPTS


def point_storage_at(settings, endpoint_url: str) -> None:
    """Both roles on an S3 endpoint, with the timeouts and retries production uses."""
    settings.USE_S3 = True
    settings.STORAGES = build_storages(
        use_s3=True,
        media_root=None,
        private_media_root=None,
        private_url_ttl=900,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
        s3=S3Config(
            bucket_name="faulty",
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            access_key="testing",
            secret_key="testing",
        ),
    )


@pytest.fixture
def product(db):
    category = Category.objects.create(name="Rigs", slug="rigs")
    return Product.objects.create(name="Rig", slug="rig", price="10.00", stock=5, category=category)


def post_order_with_image(client_for, user, product):
    body = order_form(product, image=image_file(), txid_proof=image_file())
    started = time.monotonic()
    response = client_for(user).post("/api/core/orders/", body, format="multipart")
    return response, time.monotonic() - started


def test_the_production_hang_budget_is_ten_seconds():
    assert HANG_BUDGET_S <= 10
    assert PRODUCTION_S3.connect_timeout_s <= 5


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["refused", "500", "hang"])
def test_an_upload_to_a_broken_s3_is_a_clear_503_and_leaves_no_row(
    client_for, user, product, settings, fault
):
    # given an S3 endpoint that refuses, fails or stalls
    with Answers500() as failing, Hangs() as stalled:
        endpoint = {
            "refused": f"http://127.0.0.1:{closed_port()}",
            "500": failing.url,
            "hang": stalled.url,
        }[fault]
        point_storage_at(settings, endpoint)

        # when a customer places an order with an image and a proof
        response, elapsed = post_order_with_image(client_for, user, product)

    # then a clear 503 within the client's timeouts, and nothing was kept
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": STORAGE_503}
    assert elapsed < HANG_BUDGET_S + 2
    if fault == "500":
        assert len(failing.requests) == S3_MAX_ATTEMPTS  # retried once, then given up
    assert not Order.objects.exists()
    assert Product.objects.get(pk=product.pk).stock == 5  # the stock taken was rolled back


def test_a_database_that_refuses_connections_is_a_503_from_health_and_the_api():
    # given a production gunicorn whose PostgreSQL port is closed
    with tempfile.TemporaryDirectory(prefix="db-down-") as tmp:
        env = production_env(
            Path(tmp), DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/gone"
        )
        with LiveServer(env, log_path=Path(tmp) / "gunicorn.log", workers=1) as server:
            # when
            started = time.monotonic()
            health = fetch(server, "/api/health/")
            products = fetch(server, "/api/core/products/")
            token = fetch(server, "/api/auth/token/", {"email": "a@example.com", "password": "x"})
            elapsed = time.monotonic() - started

    # then
    assert health == (503, {"status": "error", "database": "error", "storage": "ok", "cache": "ok"})
    assert products[0] == token[0] == 503
    assert "unavailable" in products[1]["detail"]
    assert elapsed < 5


def fetch(
    server: LiveServer, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict]:
    """GET ``path`` (POST ``body`` as JSON when given) on a live server: (status, JSON)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        if body is None:
            connection.request("GET", path, headers=headers or {})
        else:
            connection.request(
                "POST",
                path,
                json.dumps(body),
                {"Content-Type": "application/json", **(headers or {})},
            )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
