"""Our upload URL in local mode does what S3 does with a presigned POST's policy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testsupport.files import image_bytes
from ultraminebackend.uploads.models import Upload

from .conftest import announce, post_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(user, client_for):
    return announce(client_for(user), "orders.image", "image/png", 5000)


def test_the_answer_has_the_shape_of_a_presigned_post(answer, user):
    assert answer["url"] == "http://testserver/api/uploads/local"
    assert set(answer["fields"]) == {"key", "Content-Type", "policy"}
    assert answer["fields"]["key"].startswith(f"uploads/quarantine/{user.pk}/")
    assert Upload.objects.get(pk=answer["id"]).state == Upload.State.PENDING


def test_a_post_stores_the_file_in_quarantine_never_in_public_media(answer, settings):
    assert post_file(answer, image_bytes("PNG"), "image/png") == 204

    assert (settings.PRIVATE_MEDIA_ROOT / answer["fields"]["key"]).is_file()
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_a_second_post_replaces_the_file_as_on_s3(answer, settings):
    post_file(answer, b"first" * 10, "image/png")
    post_file(answer, b"second", "image/png")

    assert (settings.PRIVATE_MEDIA_ROOT / answer["fields"]["key"]).read_bytes() == b"second"


def test_an_expired_policy_is_refused(answer, settings, time_machine):
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.UPLOAD_URL_TTL + 1))

    assert post_file(answer, image_bytes("PNG"), "image/png") == 403


@pytest.mark.parametrize(
    "change",
    [
        {"policy": "forged"},
        {"key": "uploads/quarantine/1/somebody-else"},
        {"Content-Type": "text/html"},
    ],
)
def test_fields_that_do_not_match_the_policy_are_refused(answer, change, settings):
    status = post_file(
        answer, image_bytes("PNG"), "image/png", fields={**answer["fields"], **change}
    )

    assert status == 403
    assert not settings.PRIVATE_MEDIA_ROOT.exists() or not any(
        settings.PRIVATE_MEDIA_ROOT.rglob("*.*")
    )


@pytest.mark.parametrize(("size", "status"), [(0, 400), (5000, 204), (5001, 400)])
def test_the_size_range_is_one_byte_to_the_declared_size(answer, size, status):
    assert post_file(answer, b"x" * size, "image/png") == status


def test_a_used_upload_takes_no_more_posts(answer, user, client_for, product):
    # given: attached to an order
    post_file(answer, image_bytes("PNG"), "image/png")
    order = {
        "customer_name": "A",
        "phone": "1",
        "email": "a@example.com",
        "shipping_address": "x",
        "quantity": 1,
        "payment_method": "cod",
        "product": product.pk,
        "image_upload": answer["id"],
    }
    assert client_for(user).post("/api/core/orders/", order, format="json").status_code == 201

    # when / then
    assert post_file(answer, image_bytes("PNG"), "image/png") == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"key": "k", "Content-Type": "image/png"},
        {"policy": "x", "key": "k", "Content-Type": "image/png", "file": "not a file"},
    ],
)
def test_a_malformed_form_is_a_4xx_never_a_500(body, api_client):
    response = api_client.post("/api/uploads/local", body, format="multipart")

    assert response.status_code in (400, 403)
    assert response.json()


def test_the_local_url_takes_only_forms(api_client, answer):
    assert api_client.post("/api/uploads/local", answer["fields"], format="json").status_code == 415
    assert api_client.get("/api/uploads/local").status_code == 405
