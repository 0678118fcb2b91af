"""The admin: every page renders with previews, review actions call the same services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from core.models import Deposit, Order, WalletEntry
from ultraminebackend.files.testing import image_file
from ultraminebackend.files.variants import thumbnail_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


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


def test_admin_uploads_go_through_the_intake(admin_client, category, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Product
    from ultraminebackend.files.testing import image_bytes

    form = {
        "name": "Admin rig",
        "slug": "admin-rig",
        "price": "10.00",
        "stock": "1",
        "category": category.pk,
        "is_active": "on",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    svg = SimpleUploadedFile("x.png", b"<svg><script>alert(1)</script></svg>", "image/png")
    png_as_jpg = SimpleUploadedFile("holiday.jpg", image_bytes("PNG"), "image/jpeg")

    refused = admin_client.post("/admin/core/product/add/", {**form, "image": svg})
    accepted = admin_client.post("/admin/core/product/add/", {**form, "image": png_as_jpg})

    assert refused.status_code == 200 and b"Unsupported image format" in refused.content
    assert accepted.status_code == 302
    product = Product.objects.get()
    assert product.image.name.startswith("products/") and product.image.name.endswith(".png")
    assert (settings.MEDIA_ROOT / product.image.name.replace(".png", ".thumb.webp")).exists()
