"""Announce, post the file, attach it by id: against moto's S3 server and through our local URL.

What is attached goes through the same intake as a file posted to the endpoint itself; what
fails (a lying content type, a file larger than declared, someone else's or a used upload) is
a 400 naming ``X_upload`` with nothing stored.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Post
from core.models import Deposit, Order
from tests.openapi import assert_on_schema
from testsupport.files import image_bytes, video_bytes
from ultraminebackend.uploads.models import Upload

from .conftest import ORDER, announce, policy_conditions, post_file

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><script>alert(1)</script></html>" + b" " * 200


def quarantined(names: set[str]) -> set[str]:
    return {name for name in names if "uploads/quarantine/" in name}


def order(client, product, **fields):
    response = client.post(
        "/api/core/orders/", {**ORDER, "product": product.pk, **fields}, format="json"
    )
    assert_on_schema(response)
    return response


# --- happy paths ------------------------------------------------------------------------------


def test_an_image_is_stored_like_a_direct_upload(
    mode, user, client_for, product, direct_upload, stored
):
    # given
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG", (80, 60)))
    assert len(quarantined(stored())) == 1

    # when
    response = order(client_for(user), product, image_upload=upload_id)

    # then: re-encoded under the normal folder with its thumbnail; the quarantined object is gone
    assert response.status_code == 201, response.content
    image = response.json()["image"]
    assert image.startswith("orders/") and image.endswith(".png")
    thumbnail = "media/" + image.removesuffix(".png") + ".thumb.webp"
    assert {f"media/{image}", thumbnail} <= stored()
    assert quarantined(stored()) == set()
    assert Upload.objects.get(pk=upload_id).state == Upload.State.ATTACHED


def test_a_private_proof_stays_private(mode, user, client_for, direct_upload, stored):
    # given
    upload_id = direct_upload(
        user, "deposits.proof", image_bytes("JPEG"), content_type="image/jpeg"
    )

    # when
    response = client_for(user).post(
        "/api/core/deposits/",
        {"amount": "10.00", "method": "bank_transfer", "proof_upload": upload_id},
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    proof = response.json()["proof"]
    assert proof.startswith("deposit_proofs/")
    assert f"private/{proof}" in stored() and not any(n.startswith("media/") for n in stored())
    assert quarantined(stored()) == set()


def test_a_post_takes_a_video_and_an_image_in_order(mode, user, client_for, direct_upload):
    # given
    video = direct_upload(user, "posts.media", video_bytes("MP4"), content_type="video/mp4")
    image = direct_upload(user, "posts.media", image_bytes("PNG"))

    # when
    response = client_for(user).post(
        "/api/posts", {"caption": "rigs", "media_uploads": [video, image]}, format="json"
    )

    # then
    assert response.status_code == 201, response.content
    media = response.json()["media"]
    assert [m["type"] for m in media] == ["video", "image"]
    assert media[0]["file"].endswith(".mp4") and media[0]["duration"] == 2.5


# --- refusals: a 400 naming X_upload, nothing stored -------------------------------------------


def test_a_lying_content_type_is_caught_by_the_intake(
    mode, user, client_for, product, direct_upload, stored
):
    # given: announced as PNG, the bytes are HTML
    upload_id = direct_upload(user, "orders.image", HTML, content_type="image/png")

    # when
    response = order(client_for(user), product, image_upload=upload_id)

    # then
    assert response.status_code == 400
    assert "html" in response.json()["image_upload"][0].lower()
    assert not Order.objects.exists()
    assert stored() == set()  # the quarantined object is deleted too: it can never be used
    assert Upload.objects.get(pk=upload_id).state == Upload.State.REJECTED


def test_a_file_larger_than_declared_is_refused(mode, user, client_for, product, stored):
    # given: 100 bytes announced, a 2 KB image posted
    client = client_for(user)
    answer = announce(client, "orders.image", "image/png", 100)
    data = image_bytes("PNG", (40, 40), color="#123456")
    assert len(data) > 100

    # when
    status = post_file(answer, data, "image/png")
    response = order(client, product, image_upload=answer["id"])

    # then
    assert response.status_code == 400
    assert not Order.objects.exists()
    if mode == "local":  # our URL enforces the policy itself, as S3 does
        assert status == 400
        assert "Nothing was uploaded" in response.json()["image_upload"][0]
    else:  # the policy says so (moto does not enforce it); attaching checks by HEAD
        assert ["content-length-range", 1, 100] in policy_conditions(answer)
        assert "more than the 100 bytes declared" in response.json()["image_upload"][0]
        assert stored() == set()


def test_the_s3_policy_pins_the_content_type_and_a_quarantine_key(user, client_for, s3):
    answer = announce(client_for(user), "orders.image", "image/webp", 5000)

    conditions = policy_conditions(answer)

    assert {"Content-Type": "image/webp"} in conditions
    assert (
        answer["fields"]["key"]
        == f"private/uploads/quarantine/{user.pk}/{answer['id'].replace('-', '')}"
    )
    assert {"key": answer["fields"]["key"]} in conditions


def test_another_users_upload_is_unknown(
    mode, user, other_user, client_for, product, direct_upload
):
    upload_id = direct_upload(other_user, "orders.image", image_bytes("PNG"))

    response = order(client_for(user), product, image_upload=upload_id)

    assert response.status_code == 400
    assert response.json() == {"image_upload": ["You have no upload with this id."]}
    assert Upload.objects.get(pk=upload_id).state == Upload.State.PENDING


def test_an_upload_is_used_once(mode, user, client_for, product, direct_upload):
    client = client_for(user)
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))
    assert order(client, product, image_upload=upload_id).status_code == 201

    again = order(client, product, image_upload=upload_id)

    assert again.status_code == 400
    assert "already used" in again.json()["image_upload"][0]
    assert Order.objects.count() == 1


def test_an_expired_upload_is_refused(
    mode, user, client_for, product, direct_upload, settings, time_machine
):
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.UPLOAD_TTL_S + 1))

    response = order(client_for(user), product, image_upload=upload_id)

    assert response.status_code == 400
    assert "expired" in response.json()["image_upload"][0]


def test_an_upload_for_another_field_is_refused(mode, user, client_for, product, direct_upload):
    upload_id = direct_upload(user, "deposits.proof", image_bytes("PNG"))

    response = order(client_for(user), product, txid_proof_upload=upload_id)

    assert response.status_code == 400
    assert response.json()["txid_proof_upload"] == [
        "This upload is for 'deposits.proof', not 'orders.txid_proof'."
    ]


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_a_file_and_an_upload_for_one_field_is_a_400(
    user, client_for, product, direct_upload, body_format
):
    from testsupport.files import image_file

    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))
    file = image_file() if body_format == "multipart" else None

    response = client_for(user).post(
        "/api/core/orders/",
        {**ORDER, "product": product.pk, "image": file, "image_upload": upload_id},
        format=body_format,
    )

    assert response.status_code == 400
    assert response.json() == {"image_upload": ["Send either image or image_upload, not both."]}
    assert Upload.objects.get(pk=upload_id).state == Upload.State.PENDING


def test_a_request_refused_for_another_field_hands_the_upload_back(
    user, client_for, product, direct_upload, stored
):
    # given
    client = client_for(user)
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))

    # when: the order is refused for its quantity, then sent again corrected
    refused = order(client, product, image_upload=upload_id, quantity=10_000)
    retried = order(client, product, image_upload=upload_id)

    # then
    assert refused.status_code == 400 and "quantity" in refused.json()
    assert retried.status_code == 201, retried.content
    assert quarantined(stored()) == set()


def test_a_stock_refusal_after_validation_stores_nothing_and_hands_back(
    user, client_for, product, direct_upload, stored
):
    # given: the service refuses (out of stock) after the intake produced the file
    product.stock = 0
    product.save()
    upload_id = direct_upload(user, "orders.image", image_bytes("PNG"))

    # when
    response = order(client_for(user), product, image_upload=upload_id)

    # then: no order, no stored copy; the upload is usable again
    assert response.status_code in (400, 409), response.content
    assert not Order.objects.exists()
    assert not any(name.startswith("media/orders/") for name in stored())
    assert Upload.objects.get(pk=upload_id).state == Upload.State.PENDING


def test_a_required_file_may_be_an_upload_or_a_file_but_one_of_them(user, client_for):
    response = client_for(user).post(
        "/api/core/deposits/", {"amount": "10.00", "method": "bank_transfer"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"proof": ["No file was submitted: send proof or proof_upload."]}
    assert not Deposit.objects.exists()


@pytest.mark.parametrize("value", ["nope", "", 7])
def test_an_id_that_is_no_uuid_is_a_400(user, client_for, product, value):
    response = order(client_for(user), product, image_upload=value)

    assert response.status_code == 400
    assert "image_upload" in response.json()


def test_posts_count_uploads_against_the_media_limit(user, client_for):
    ids = [str(__import__("uuid").uuid4()) for _ in range(11)]

    response = client_for(user).post("/api/posts", {"media_uploads": ids}, format="json")

    assert response.status_code == 400
    assert "at most 10" in response.json()["media"][0]
    assert not Post.objects.exists()


def test_a_bad_id_among_post_media_is_named_by_its_position(user, client_for, direct_upload):
    good = direct_upload(user, "posts.media", image_bytes("PNG"))

    response = client_for(user).post("/api/posts", {"media_uploads": [good, "nope"]}, format="json")

    assert response.status_code == 400
    assert_on_schema(response)
    assert list(response.json()["media_uploads"]) == ["1"]
    assert not Post.objects.exists()
    assert Upload.objects.get(pk=good).state == Upload.State.PENDING  # handed back
