"""The admin: every page renders with previews, review actions call the same services."""

import html
import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from core import services
from core.models import Deposit, Order, WalletEntry
from core.money import BALANCE_MAX
from testsupport.files import image_file
from ultraminebackend.files.storage.naming import thumbnail_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["category", "product", "order", "deposit", "walletentry"])
def test_changelists_and_change_pages_render(
    admin_client, model, user, order_for, deposit_for, credit, product
):
    order_for(user, image=image_file(), txid_proof=image_file())
    credit(user)

    changelist = admin_client.get(f"/admin/core/{model}/")

    assert changelist.status_code == 200


def test_order_page_previews_public_image_and_signs_private_proof(admin_client, user, order_for):
    # given
    order = order_for(user, image=image_file(), txid_proof=image_file())
    thumbnail = thumbnail_name(order.image.name)

    # when
    page = admin_client.get(f"/admin/core/order/{order.pk}/change/").content.decode()

    # then: the thumbnail is shown, the original is what it links to
    assert f'<a href="/media/{order.image.name}" target="_blank"' in page
    assert f'<img src="/media/{thumbnail}"' in page
    assert f'<img src="/media/{order.image.name}"' not in page
    assert admin_client.get(f"/media/{thumbnail}")["Content-Type"] == "image/webp"
    # the private proof stays a signed link, with no image (and no thumbnail) of it
    assert f"/files/private/{order.txid_proof.name}?expires=" in page
    assert thumbnail_name(order.txid_proof.name) not in page


def test_product_changelist_shows_thumbnails_not_originals(admin_client, make_product):
    # given
    product = make_product(image=image_file(size=(1600, 1200)))

    # when
    page = admin_client.get("/admin/core/product/").content.decode()

    # then
    assert f'<img src="/media/{thumbnail_name(product.image.name)}"' in page
    assert f'<a href="/media/{product.image.name}"' in page


def test_approve_action_credits_once(admin_client, user, deposit_for):
    deposit = deposit_for(user, "30.00")
    body = {"action": "approve", ACTION_CHECKBOX_NAME: [deposit.pk]}

    admin_client.post("/admin/core/deposit/", body)
    admin_client.post("/admin/core/deposit/", body)

    assert Deposit.objects.get(pk=deposit.pk).status == "approved"
    assert WalletEntry.objects.filter(deposit=deposit).count() == 1


def test_reject_action_asks_for_a_reason_first(admin_client, user, deposit_for):
    deposit = deposit_for(user)
    body = {"action": "reject", ACTION_CHECKBOX_NAME: [deposit.pk]}

    confirm = admin_client.post("/admin/core/deposit/", body)
    applied = admin_client.post("/admin/core/deposit/", {**body, "apply": "1", "reason": "Fake"})

    assert confirm.status_code == 200 and b"reason" in confirm.content
    assert applied.status_code == 302
    deposit.refresh_from_db()
    assert (deposit.status, deposit.rejection_reason) == ("rejected", "Fake")


def test_order_status_actions_follow_the_machine(admin_client, user, order_for):
    order = order_for(user)

    admin_client.post(
        "/admin/core/order/", {"action": "mark_shipped", ACTION_CHECKBOX_NAME: [order.pk]}
    )
    assert Order.objects.get(pk=order.pk).status == "pending"  # pending → shipped is refused
    admin_client.post(
        "/admin/core/order/", {"action": "mark_paid", ACTION_CHECKBOX_NAME: [order.pk]}
    )
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_ledger_is_read_only(admin_client, user, credit):
    credit(user)
    entry = WalletEntry.objects.get()

    assert admin_client.get("/admin/core/walletentry/add/").status_code == 403
    response = admin_client.post(f"/admin/core/walletentry/{entry.pk}/change/", {"amount": "999"})
    assert response.status_code == 403
    assert WalletEntry.objects.get().amount == entry.amount


def test_admin_uploads_go_through_the_intake(admin_client, admin_product_form, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Product
    from testsupport.files import image_bytes

    form = admin_product_form(name="Admin rig", slug="admin-rig")
    svg = SimpleUploadedFile("x.png", b"<svg><script>alert(1)</script></svg>", "image/png")
    png_as_jpg = SimpleUploadedFile("holiday.jpg", image_bytes("PNG"), "image/jpeg")

    refused = admin_client.post("/admin/core/product/add/", {**form, "image": svg})
    accepted = admin_client.post("/admin/core/product/add/", {**form, "image": png_as_jpg})

    assert refused.status_code == 200 and b"Unsupported image format" in refused.content
    assert accepted.status_code == 302
    product = Product.objects.get()
    assert product.image.name.startswith("products/") and product.image.name.endswith(".png")
    assert (settings.MEDIA_ROOT / product.image.name.replace(".png", ".thumb.webp")).exists()


# --- what was placed or reviewed stays as it was ------------------------------------------------


def review(deposit, how, reviewer):
    if how == "approved":
        return services.deposit_approve(deposit=deposit, reviewer=reviewer)
    return services.deposit_reject(deposit=deposit, reviewer=reviewer, reason="blurry")


@pytest.mark.parametrize("how", ["approved", "rejected"])
def test_a_reviewed_deposit_is_view_only(
    admin_client, staff_user, user, other_user, deposit_for, how
):
    # given a reviewed deposit of 10.00
    deposit = review(deposit_for(user, "10.00"), how, staff_user)
    url = f"/admin/core/deposit/{deposit.pk}/change/"

    # when staff open it, then post a changed amount, owner and proof, then try to delete it
    page = admin_client.get(url)
    changed = admin_client.post(
        url,
        {
            "user": other_user.pk,
            "amount": "9999.00",
            "method": "other",
            "reference": "edited",
            "proof": image_file(),
        },
    )
    deleted = admin_client.post(f"/admin/core/deposit/{deposit.pk}/delete/", {"post": "yes"})

    # then the page shows it without a form field, and nothing changed
    assert page.status_code == 200
    assert b'name="amount"' not in page.content and b'name="proof"' not in page.content
    assert b"10.00" in page.content
    assert changed.status_code == 403 and deleted.status_code == 403
    stored = Deposit.objects.get(pk=deposit.pk)
    assert (stored.user_id, stored.amount, stored.reference) == (user.pk, Decimal("10.00"), "REF-1")
    assert stored.proof.name == deposit.proof.name
    assert services.wallet_balance(user=user) == (Decimal("10.00") if how == "approved" else 0)


def test_a_pending_deposit_keeps_its_owner(admin_client, user, other_user, deposit_for):
    deposit = deposit_for(user, "10.00")
    url = f"/admin/core/deposit/{deposit.pk}/change/"

    page = admin_client.get(url)
    saved = admin_client.post(
        url, {"user": other_user.pk, "amount": "12.00", "method": "crypto", "reference": "R"}
    )

    assert b'name="user"' not in page.content and b'name="amount"' in page.content
    assert saved.status_code == 302
    deposit.refresh_from_db()
    assert (deposit.user_id, deposit.amount) == (user.pk, Decimal("12.00"))


def test_an_order_keeps_what_was_bought_and_paid(
    admin_client, user, other_user, order_for, make_product
):
    # given a placed order
    order = order_for(user, quantity=2, txid="0xabc", txid_proof=image_file())
    other_product = make_product(price=Decimal("0.01"))
    url = f"/admin/core/order/{order.pk}/change/"

    # when staff post the change form with the money, goods and evidence changed too
    page = admin_client.get(url)
    response = admin_client.post(
        url,
        {
            "customer_name": "Ann Receiver",
            "phone": "+15550199",
            "email": "ann@example.com",
            "shipping_address": "2 Mine Road",
            "user": other_user.pk,
            "product": other_product.pk,
            "quantity": "999",
            "unit_price": "0.01",
            "total_price": "0.01",
            "status": "delivered",
            "payment_method": "wallet",
            "txid": "forged",
            "txid_proof": image_file(),
        },
    )

    # then only the delivery details changed
    assert page.status_code == 200
    for field in ("quantity", "unit_price", "total_price", "product", "user", "txid_proof"):
        assert f'name="{field}"'.encode() not in page.content
    assert response.status_code == 302
    stored = Order.objects.get(pk=order.pk)
    assert (stored.customer_name, stored.shipping_address) == ("Ann Receiver", "2 Mine Road")
    assert (stored.user_id, stored.product_id, stored.quantity) == (user.pk, order.product_id, 2)
    assert (stored.unit_price, stored.total_price) == (Decimal("250.00"), Decimal("500.00"))
    assert (stored.status, stored.payment_method, stored.txid) == ("pending", "cod", "0xabc")
    assert stored.txid_proof.name == order.txid_proof.name


def test_orders_are_placed_through_the_api_not_added_in_the_admin(admin_client):
    assert admin_client.get("/admin/core/order/add/").status_code == 403


def test_an_approval_past_the_wallet_cap_is_reported_in_the_admin(admin_client, user, deposit_for):
    WalletEntry.objects.create(user=user, amount=BALANCE_MAX, kind="adjustment")
    deposit = deposit_for(user, "1.00")

    response = admin_client.post(
        "/admin/core/deposit/",
        {"action": "approve", ACTION_CHECKBOX_NAME: [deposit.pk]},
        follow=True,
    )

    assert b"a wallet holds at most 9999999999999.99" in response.content
    assert Deposit.objects.get(pk=deposit.pk).status == "pending"


# --- evidence previews --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["deposit", "order"])
def test_evidence_is_previewed_inline_through_its_signed_link(
    admin_client, client, user, order_for, deposit_for, model
):
    # given a deposit proof or an order's txid proof, in private storage
    if model == "deposit":
        row = deposit_for(user)
        evidence = row.proof.name
    else:
        row = order_for(user, payment_method="crypto", txid="0x1", txid_proof=image_file())
        evidence = row.txid_proof.name

    # when staff open the change page
    page = admin_client.get(f"/admin/core/{model}/{row.pk}/change/").content.decode()

    # then it shows the evidence as an image whose signed URL loads, for anyone holding it
    sources = [html.unescape(src) for src in re.findall(r'<img src="([^"]+)"', page)]
    signed = [src for src in sources if src.startswith(f"/files/private/{evidence}?expires=")]
    assert len(signed) == 1, sources
    loaded = client.get(signed[0])
    assert loaded.status_code == 200
    assert loaded["Content-Type"] == "image/jpeg"
    assert b"".join(loaded.streaming_content if loaded.streaming else [loaded.content])[:2] == (
        b"\xff\xd8"
    )
    assert client.get(f"/files/private/{evidence}").status_code == 403  # unsigned: refused
