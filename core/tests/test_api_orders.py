"""Orders: server-side prices, stock, wallet payment, files in local and S3 modes, failures."""

import urllib.error
import urllib.request

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection

from core.models import Order, WalletEntry
from testsupport.files import image_file, s3_storages
from ultraminebackend.files.storage.backends import private_storage

from .helpers import BODY_FORMATS, order_form

pytestmark = pytest.mark.django_db


def fetch_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_prices_and_status_come_from_the_server(client_for, user, product, body_format):
    # given a client that tries to set its own price, total and status
    body = order_form(product, unit_price="1.00", total_price="1.00", status="delivered")

    # when
    response = client_for(user).post("/api/core/orders/", body, format=body_format)

    # then
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["unit_price"], data["total_price"], data["status"]) == (
        "250.00",
        "500.00",
        "pending",
    )
    assert data["image"] is None and data["image_url"] is None
    assert data["txid_proof"] is None and data["txid_proof_url"] is None
    product.refresh_from_db()
    assert product.stock == 8


def test_order_with_image_and_txid_proof_in_local_mode(client_for, client, user, product):
    body = order_form(
        product,
        payment_method="crypto",
        txid="0xabc",
        image=image_file("shot.png", fmt="PNG"),
        txid_proof=image_file("proof.jpg"),
    )

    data = client_for(user).post("/api/core/orders/", body, format="multipart").json()

    assert data["image"].startswith("orders/") and "shot" not in data["image"]
    assert data["image_url"] == f"http://testserver/media/{data['image']}"
    assert client.get(data["image_url"]).status_code == 200
    assert data["txid_proof"].startswith("txid_proofs/")
    assert data["txid_proof_url"].startswith(
        f"http://testserver/files/private/{data['txid_proof']}?"
    )
    assert client.get(data["txid_proof_url"]).status_code == 200
    assert client.get(f"/files/private/{data['txid_proof']}").status_code == 403
    assert client.get(f"/media/{data['txid_proof']}").status_code == 404


@pytest.mark.usefixtures("s3")
def test_order_with_image_and_txid_proof_in_s3_mode(client_for, user, product, moto_endpoint):
    body = order_form(product, image=image_file(), txid_proof=image_file("p.jpg"))

    data = client_for(user).post("/api/core/orders/", body, format="multipart").json()

    assert data["image_url"].startswith(f"{moto_endpoint}/") and "?" not in data["image_url"]
    assert fetch_status(data["image_url"]) == 200
    assert "X-Amz-Signature=" in data["txid_proof_url"]
    assert fetch_status(data["txid_proof_url"]) == 200
    assert fetch_status(data["txid_proof_url"].split("?")[0]) == 403


@pytest.mark.parametrize("body_format", BODY_FORMATS)
def test_wallet_payment_debits_and_marks_paid(client_for, user, product, credit, body_format):
    credit(user, "600.00")

    response = client_for(user).post(
        "/api/core/orders/", order_form(product, payment_method="wallet"), format=body_format
    )

    assert response.status_code == 201
    assert response.json()["status"] == "paid"
    wallet = client_for(user).get("/api/core/wallet/").json()
    assert wallet["balance"] == "100.00"
    assert [e["kind"] for e in wallet["entries"]] == ["order_payment", "deposit_credit"]


def test_wallet_payment_with_insufficient_balance_is_a_400_and_changes_nothing(
    client_for, user, product, credit, settings
):
    credit(user, "100.00")

    response = client_for(user).post(
        "/api/core/orders/",
        order_form(product, payment_method="wallet", image=image_file()),
        format="multipart",
    )

    assert response.status_code == 400
    assert "Insufficient wallet balance" in response.json()["payment_method"][0]
    product.refresh_from_db()
    assert product.stock == 10
    assert not Order.objects.exists()
    assert WalletEntry.objects.filter(kind="order_payment").count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []  # the uploaded image went with the rollback


def test_out_of_stock_is_a_400_naming_quantity(client_for, user, make_product):
    product = make_product(stock=1)

    response = client_for(user).post("/api/core/orders/", order_form(product), format="multipart")

    assert response.status_code == 400
    assert response.json() == {"quantity": ["Only 1 left in stock."]}


def test_inactive_product_cannot_be_ordered(client_for, user, make_product):
    product = make_product(is_active=False)

    response = client_for(user).post("/api/core/orders/", order_form(product), format="multipart")

    assert response.status_code == 400
    assert "product" in response.json()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"email": "nope"}, "email"),
        ({"product": 999999}, "product"),
        ({"customer_name": ""}, "customer_name"),
    ],
)
def test_invalid_order_input_is_a_400_naming_the_field(client_for, user, product, override, field):
    response = client_for(user).post(
        "/api/core/orders/", order_form(product, **override), format="multipart"
    )

    assert response.status_code == 400
    assert field in response.json()


def test_owner_cancels_a_paid_wallet_order_restocked_and_refunded_once(
    client_for, user, product, credit, order_for
):
    # given a wallet order, which starts as paid
    credit(user, "300.00")
    order = order_for(user, quantity=1, payment_method="wallet")
    assert order.status == "paid"
    owner = client_for(user)

    # when the owner cancels it, twice
    response = owner.post(f"/api/core/orders/{order.pk}/cancel/")
    again = owner.post(f"/api/core/orders/{order.pk}/cancel/")

    # then stock and money are back, once
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert again.status_code == 400 and "status" in again.json()
    product.refresh_from_db()
    assert product.stock == 10
    assert owner.get("/api/core/wallet/").json()["balance"] == "300.00"
    assert WalletEntry.objects.filter(order=order, kind="refund").count() == 1


@pytest.mark.parametrize("status", ["pending", "paid"])
def test_owner_cancels_until_the_order_ships(client_for, user, product, order_for, status):
    order = order_for(user, quantity=3)
    Order.objects.filter(pk=order.pk).update(status=status)  # e.g. staff confirmed a transfer

    response = client_for(user).post(f"/api/core/orders/{order.pk}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    product.refresh_from_db()
    assert product.stock == 10


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_owner_cannot_cancel_once_shipped(client_for, user, product, order_for, status):
    order = order_for(user, quantity=3)
    Order.objects.filter(pk=order.pk).update(status=status)

    response = client_for(user).post(f"/api/core/orders/{order.pk}/cancel")

    assert response.status_code == 400
    assert "pending or paid" in response.json()["status"][0]
    product.refresh_from_db()
    assert product.stock == 7
    assert Order.objects.get(pk=order.pk).status == status


@pytest.mark.parametrize(
    ("path", "target", "expected"),
    [
        (["paid"], "shipped", 200),
        (["paid", "shipped"], "delivered", 200),
        ([], "cancelled", 200),
        (["paid"], "cancelled", 200),
        ([], "shipped", 400),
        (["paid", "shipped"], "cancelled", 400),
        (["paid", "shipped", "delivered"], "pending", 400),
        (["cancelled"], "paid", 400),
    ],
)
def test_status_machine(client_for, staff_user, user, order_for, path, target, expected):
    order = order_for(user)
    staff = client_for(staff_user)
    for step in path:
        assert (
            staff.post(f"/api/core/orders/{order.pk}/status/", {"status": step}).status_code == 200
        )

    response = staff.post(f"/api/core/orders/{order.pk}/status/", {"status": target})

    assert response.status_code == expected
    if expected == 400:
        assert "Allowed:" in response.json()["status"][0]


def test_staff_cancel_of_a_paid_wallet_order_refunds_once(
    client_for, staff_user, user, credit, order_for
):
    credit(user, "250.00")
    order = order_for(user, payment_method="wallet")

    client_for(staff_user).post(f"/api/core/orders/{order.pk}/status/", {"status": "cancelled"})
    again = client_for(staff_user).post(
        f"/api/core/orders/{order.pk}/status/", {"status": "cancelled"}
    )

    assert again.status_code == 400
    assert WalletEntry.objects.filter(order=order, kind="refund").count() == 1
    assert client_for(user).get("/api/core/wallet/").json()["balance"] == "250.00"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_placed_order_has_no_update_or_delete_route(
    client_for, staff_user, user, order_for, method
):
    order = order_for(user, quantity=2)

    for who in (user, staff_user):
        response = getattr(client_for(who), method)(
            f"/api/core/orders/{order.pk}/", {"quantity": 1, "unit_price": "0.01"}, format="json"
        )
        assert response.status_code == 405
        assert response.json()["detail"].startswith("Method")
    stored = Order.objects.get(pk=order.pk)
    assert (stored.quantity, str(stored.total_price)) == (2, "500.00")


# --- failures leave nothing behind --------------------------------------------------------------


def test_storage_failure_is_a_503_and_leaves_no_order(client_for, user, product, settings):
    # An S3 endpoint that refuses connections.
    settings.STORAGES = s3_storages(endpoint_url="http://127.0.0.1:9", bucket="down")

    response = client_for(user).post(
        "/api/core/orders/", order_form(product, image=image_file()), format="multipart"
    )

    assert response.status_code == 503
    assert response.json()["detail"].startswith("File storage is unavailable")
    assert not Order.objects.exists()
    product.refresh_from_db()
    assert product.stock == 10


def test_database_failure_after_files_were_stored_leaves_no_orphan(
    client_for, user, product, settings
):
    # given the database refuses the order row, after both files were written
    def refuse_order_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "core_order"'):
            raise OperationalError("disk full")  # what Django raises for a failed write
        return execute(sql, params, many, context)

    body = order_form(product, image=image_file(), txid_proof=image_file("p.jpg"))

    # when
    with connection.execute_wrapper(refuse_order_insert):
        response = client_for(user).post("/api/core/orders/", body, format="multipart")

    # then the client hears "try again", and neither a row nor a file remains
    assert response.status_code == 503
    assert not Order.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    product.refresh_from_db()
    assert product.stock == 10


def test_private_storage_is_not_media(settings):
    assert str(private_storage().location) != str(default_storage.location)
    assert not str(settings.PRIVATE_MEDIA_ROOT).startswith(str(settings.MEDIA_ROOT))
