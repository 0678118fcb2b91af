"""The whole flow over real HTTP, as the React app runs it: nothing but ``requests`` and URLs."""

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from testsupport.files import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("mode", ["local", "s3"], indirect=True)
def test_announce_post_and_attach_over_http(mode, live_server, user, product):
    # given
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {RefreshToken.for_user(user).access_token}"
    data = image_bytes("PNG", (120, 90))

    # when: announce, post the file where told, name it in the order
    announced = api.post(
        f"{live_server.url}/api/uploads/",
        json={"purpose": "orders.image", "content_type": "image/png", "size": len(data)},
        timeout=10,
    ).json()
    posted = requests.post(
        announced["url"],
        data=announced["fields"],
        files={"file": ("photo.png", data, "image/png")},
        timeout=10,
    )
    ordered = api.post(
        f"{live_server.url}/api/core/orders/",
        json={
            "product": product.pk,
            "quantity": 1,
            "payment_method": "cod",
            "customer_name": "Ann",
            "phone": "1",
            "email": "ann@example.com",
            "shipping_address": "1 Mine Road",
            "image_upload": announced["id"],
        },
        timeout=30,
    )

    # then
    assert posted.status_code == 204, posted.text
    assert ordered.status_code == 201, ordered.text
    image_url = ordered.json()["image_url"]
    loaded = requests.get(image_url, timeout=10)
    assert loaded.status_code == 200 and loaded.headers["Content-Type"] == "image/png"
