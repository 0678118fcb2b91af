"""Deposit proofs: private evidence, one review, the wallet credited exactly once."""

from decimal import Decimal

import pytest

from core import services
from core.models import Deposit, WalletEntry
from testsupport.files import image_file

from .helpers import BODY_FORMATS

pytestmark = pytest.mark.django_db


def post_deposit(client, **overrides):
    body = {"amount": "150.00", "method": "crypto", "reference": "0xfeed", "proof": image_file()}
    return client.post("/api/core/deposits/", {**body, **overrides}, format="multipart")


def test_create_deposit_with_private_proof(client_for, client, user):
    response = post_deposit(client_for(user))

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending" and data["amount"] == "150.00"
    assert data["proof"].startswith("deposit_proofs/")
    assert client.get(data["proof_url"]).status_code == 200
    assert client.get(f"/files/private/{data['proof']}").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1e3"}, None),
        ({"amount": "abc"}, "amount"),
        ({"method": "cash"}, "method"),
        ({"proof": ""}, "proof"),
    ],
)
def test_invalid_deposit_is_a_400(client_for, user, overrides, field):
    response = post_deposit(client_for(user), **overrides)

    if field is None:  # exponent notation is a valid decimal: accepted as 1000.00
        assert response.status_code == 201
        assert response.json()["amount"] == "1000.00"
        return
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("body_format", BODY_FORMATS)
@pytest.mark.parametrize(
    ("amount", "accepted"),
    [
        ("10.5", True),
        ("0.01", True),
        ("0", False),
        ("-5", False),
        ("10.001", False),
        ("abc", False),
    ],
)
def test_amounts_are_read_alike_from_json_and_forms(
    client_for, user, body_format, amount, accepted
):
    # JSON carries no file: its twin is judged on the amount alone (the proof is then missing)
    body = {"amount": amount, "method": "crypto"}
    if body_format == "multipart":
        body["proof"] = image_file()

    response = client_for(user).post("/api/core/deposits/", body, format=body_format)

    errors = response.json() if response.status_code == 400 else {}
    assert ("amount" in errors) is not accepted
    if accepted and body_format == "multipart":
        assert response.status_code == 201
        assert response.json()["amount"] == f"{float(amount):.2f}"
    elif body_format == "json":
        assert response.status_code == 400 and "proof" in response.json()


@pytest.mark.parametrize("how", ["approved", "rejected", "pending"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_deposits_have_no_update_or_delete_route(
    client_for, staff_user, user, deposit_for, how, method
):
    deposit = deposit_for(user, "10.00")
    if how == "approved":
        services.deposit_approve(deposit=deposit, reviewer=staff_user)
    elif how == "rejected":
        services.deposit_reject(deposit=deposit, reviewer=staff_user, reason="no")

    for who in (user, staff_user):
        response = getattr(client_for(who), method)(
            f"/api/core/deposits/{deposit.pk}/", {"amount": "9999.00"}, format="json"
        )
        assert response.status_code == 405
        assert response.json()["detail"].startswith("Method")
    assert Deposit.objects.get(pk=deposit.pk).amount == Decimal("10.00")


def test_deposit_without_proof_is_a_400(client_for, user):
    response = client_for(user).post(
        "/api/core/deposits/", {"amount": "10.00", "method": "crypto"}, format="multipart"
    )

    assert response.status_code == 400
    assert "proof" in response.json()


def test_approve_credits_the_wallet_once_and_records_the_reviewer(
    client_for, staff_user, user, deposit_for
):
    deposit = deposit_for(user, "80.00")
    staff = client_for(staff_user)

    first = staff.post(f"/api/core/deposits/{deposit.pk}/approve/")
    second = staff.post(f"/api/core/deposits/{deposit.pk}/approve/")

    assert first.status_code == 200
    assert first.json()["status"] == "approved"
    assert first.json()["reviewed_by"] == staff_user.pk
    assert first.json()["reviewed_at"] is not None
    assert second.status_code == 409
    assert WalletEntry.objects.filter(deposit=deposit).count() == 1
    assert client_for(user).get("/api/core/wallet/").json()["balance"] == "80.00"


def test_reject_needs_a_reason_and_is_final(client_for, staff_user, user, deposit_for):
    deposit = deposit_for(user)
    staff = client_for(staff_user)

    without = staff.post(f"/api/core/deposits/{deposit.pk}/reject/", {"reason": "  "})
    rejected = staff.post(f"/api/core/deposits/{deposit.pk}/reject/", {"reason": "Blurry proof"})
    approve_after = staff.post(f"/api/core/deposits/{deposit.pk}/approve/")

    assert without.status_code == 400 and "reason" in without.json()
    assert rejected.status_code == 200
    assert rejected.json()["rejection_reason"] == "Blurry proof"
    assert approve_after.status_code == 409
    assert not WalletEntry.objects.exists()
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.REJECTED


def test_deposits_filter_by_status(client_for, staff_user, user, deposit_for):
    pending, approved = deposit_for(user), deposit_for(user)
    client_for(staff_user).post(f"/api/core/deposits/{approved.pk}/approve/")

    data = client_for(user).get("/api/core/deposits/?status=pending").json()

    assert [d["id"] for d in data["results"]] == [pending.pk]


def test_wallet_lists_entries_newest_first(client_for, user, credit):
    credit(user, "10.00")
    credit(user, "5.50")

    wallet = client_for(user).get("/api/core/wallet").json()

    assert wallet["balance"] == "15.50"
    assert [e["amount"] for e in wallet["entries"]] == ["5.50", "10.00"]


def test_reviews_are_logged_with_ids_and_no_signed_urls(
    client_for, staff_user, user, deposit_for, caplog
):
    deposit = deposit_for(user)
    caplog.set_level("INFO")

    client_for(staff_user).post(f"/api/core/deposits/{deposit.pk}/approve/")

    approved = [r for r in caplog.records if r.getMessage() == "deposit approved"]
    assert len(approved) == 1
    assert (approved[0].deposit_id, approved[0].reviewer_id) == (deposit.pk, staff_user.pk)
    assert not any("signature=" in r.getMessage() for r in caplog.records)
