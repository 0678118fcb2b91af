"""An upload is used once, however many requests name it at the same moment (real threads)."""

from core.models import Order
from testsupport.db import POSTGRES_ONLY, run_concurrently
from testsupport.files import image_bytes
from ultraminebackend.uploads.models import Upload

from .conftest import ORDER

pytestmark = POSTGRES_ONLY


def test_eight_requests_naming_one_upload_attach_it_once(user, client_for, product, direct_upload):
    # given
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))
    body = {**ORDER, "product": product.pk, "image_upload": upload_id}
    statuses = []

    def attach(i):
        statuses.append(client_for(user).post("/api/core/orders/", body, format="json").status_code)

    # when
    run_concurrently(8, attach)

    # then
    assert sorted(statuses) == [201] + [400] * 7
    assert Order.objects.count() == 1
    assert Upload.objects.get(pk=upload_id).state == Upload.State.ATTACHED
