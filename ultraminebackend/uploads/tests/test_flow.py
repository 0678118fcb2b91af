"""Announce, post the file, attach it by id: in S3 mode against moto's server and locally."""

import pytest

from testsupport.files import image_bytes

pytestmark = pytest.mark.django_db

ORDER = {
    "customer_name": "Ann Buyer",
    "phone": "+15550100",
    "email": "ann@example.com",
    "shipping_address": "1 Mine Road",
    "quantity": 1,
    "payment_method": "cod",
}


@pytest.fixture(params=["local", "s3"])
def mode(request):
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param


def test_order_image_by_upload_is_stored_like_a_direct_upload(
    mode, user, client_for, product, direct_upload
):
    # given
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG", (80, 60)))

    # when
    response = client_for(user).post(
        "/api/core/orders/",
        {**ORDER, "product": product.pk, "image_upload": upload_id},
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["image"].startswith("orders/") and body["image"].endswith(".png")
    assert body["image_thumbnail_url"]
