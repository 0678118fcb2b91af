"""Every purpose reaches its field, as JSON and as its multipart twin, with the same answer."""

import pytest

from tests.test_multipart_twins import masked
from testsupport.files import image_bytes

from .conftest import ORDER

pytestmark = pytest.mark.django_db

BANK_ORDER = {**ORDER, "payment_method": "bank_transfer"}


def _order(w, field, upload):
    return "/api/core/orders/", {**BANK_ORDER, "product": w["product"].pk, field: upload}


# purpose -> (who, field, request(world, field, upload id) -> (path, body), answer -> stored name)
CASES = {
    "orders.image": ("user", "image_upload", _order, lambda a: a["image"]),
    "orders.txid_proof": ("user", "txid_proof_upload", _order, lambda a: a["txid_proof"]),
    "deposits.proof": (
        "user",
        "proof_upload",
        lambda w, f, u: ("/api/core/deposits/", {"amount": "5.00", "method": "crypto", f: u}),
        lambda a: a["proof"],
    ),
    "products.image": (
        "staff",
        "image_upload",
        lambda w, f, u: (
            "/api/core/products/",
            {"name": f"S{u[:6]}", "price": "1.00", "category": w["product"].category_id, f: u},
        ),
        lambda a: a["image"],
    ),
    "products.gallery": (
        "staff",
        "image_upload",
        lambda w, f, u: (f"/api/core/products/{w['product'].pk}/images/", {f: u}),
        lambda a: a["image"],
    ),
    "posts.media": (
        "user",
        "media_uploads",
        lambda w, f, u: ("/api/posts", {"caption": "hi", f: [u]}),
        lambda a: a["media"][0]["file"],
    ),
    "blogs.banner": (
        "user",
        "banner_upload",
        lambda w, f, u: ("/api/blogs", {"title": "Hello", f: u}),
        lambda a: a["banner"],
    ),
    "blogs.image": (
        "user",
        "image_upload",
        lambda w, f, u: ("/api/blogs", {"title": "Hello", f: u}),
        lambda a: a["image"],
    ),
    "ai.reference_image": (
        "user",
        "reference_image_upload",
        lambda w, f, u: ("/api/ai-agent/generate-image", {"prompt": "a rig", f: u}),
        lambda a: a["aspect_ratio_source"],
    ),
}
FOLDERS = {
    "orders.image": "orders/",
    "orders.txid_proof": "txid_proofs/",
    "deposits.proof": "deposit_proofs/",
    "products.image": "products/",
    "products.gallery": "products/",
    "posts.media": "posts/",
    "blogs.banner": "blog_banners/",
    "blogs.image": "blog_featured/",
    "ai.reference_image": "reference",  # the ratio was read from the reference
}


@pytest.fixture
def world(user, staff_user, product, settings):
    settings.AI_IMAGE_PROVIDER = "placeholder"
    return {"user": user, "staff": staff_user, "product": product}


@pytest.mark.parametrize("purpose", list(CASES))
def test_each_purpose_attaches_to_its_field_as_json_and_as_a_form(
    purpose, world, client_for, direct_upload
):
    # given: one upload for each of the twins
    who, field, request, stored_name = CASES[purpose]
    uploader = world[who]
    ids = [direct_upload(uploader, purpose, image_bytes("PNG", (160, 90))) for _ in range(2)]
    client = client_for(uploader)

    # when
    answers = []
    for upload_id, body_format in zip(ids, ("json", "multipart"), strict=True):
        path, body = request(world, field, upload_id)
        response = client.post(path, body, format=body_format)
        assert response.status_code == 201, (body_format, response.content)
        answers.append(response.json())

    # then
    assert stored_name(answers[0]).startswith(FOLDERS[purpose])
    as_json, as_form = (masked(_unique(a)) for a in answers)
    assert as_form == as_json


def _unique(answer: dict) -> dict:
    """What differs between two creates of the same body by design (names made unique)."""
    return {k: v for k, v in answer.items() if k not in {"name", "slug", "position", "is_primary"}}


def test_a_staff_purpose_is_refused_to_users(user, client_for):
    response = client_for(user).post(
        "/api/uploads/",
        {"purpose": "products.gallery", "content_type": "image/png", "size": 10},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"purpose": ["Only staff may upload for 'products.gallery'."]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "orders.image", "content_type": "video/mp4", "size": 10}, "content_type"),
        ({"purpose": "orders.image", "content_type": "image/svg+xml", "size": 10}, "content_type"),
        ({"purpose": "orders.image", "content_type": "image/png", "size": 0}, "size"),
        ({"purpose": "nothing", "content_type": "image/png", "size": 10}, "purpose"),
    ],
)
def test_an_announcement_out_of_policy_names_its_field(user, client_for, body, field):
    response = client_for(user).post("/api/uploads/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("purpose", "content_type", "cap"),
    [
        ("orders.image", "image/png", "IMAGE_MAX_BYTES"),
        ("posts.media", "image/png", "IMAGE_MAX_BYTES"),
        ("posts.media", "video/mp4", "VIDEO_MAX_BYTES"),
    ],
)
def test_sizes_are_held_to_the_intakes_caps(user, client_for, settings, purpose, content_type, cap):
    limit = getattr(settings, cap)
    client = client_for(user)
    body = {"purpose": purpose, "content_type": content_type}

    at_cap = client.post("/api/uploads/", {**body, "size": limit}, format="json")
    past_cap = client.post("/api/uploads/", {**body, "size": limit + 1}, format="json")

    assert at_cap.status_code == 201
    assert past_cap.status_code == 400 and str(limit) in past_cap.json()["size"][0]


def test_announcing_needs_a_signed_in_user(client_for):
    body = {"purpose": "orders.image", "content_type": "image/png", "size": 10}

    assert client_for(None).post("/api/uploads/", body, format="json").status_code == 401


def test_updates_take_uploads_too(world, client_for, direct_upload, settings):
    # given: a product and a blog, each with an image
    staff, user = client_for(world["staff"]), client_for(world["user"])
    product = world["product"]
    first = direct_upload(world["staff"], "products.image", image_bytes("PNG"))
    assert staff.patch(
        f"/api/core/products/{product.pk}/", {"image_upload": first}, format="json"
    ).json()["image"]
    banner = direct_upload(world["user"], "blogs.banner", image_bytes("PNG"))
    blog = user.post("/api/blogs", {"title": "Hi", "banner_upload": banner}, format="json").json()

    # when: each is replaced by another upload
    second = direct_upload(
        world["staff"], "products.image", image_bytes("JPEG"), content_type="image/jpeg"
    )
    new_banner = direct_upload(
        world["user"], "blogs.banner", image_bytes("JPEG"), content_type="image/jpeg"
    )
    patched_product = staff.patch(
        f"/api/core/products/{product.pk}/", {"image_upload": second}, format="multipart"
    )
    patched_blog = user.patch(
        f"/api/blogs/{blog['id']}", {"banner_upload": new_banner}, format="json"
    )

    # then
    assert patched_product.status_code == 200 and patched_product.json()["image"].endswith(".jpg")
    assert patched_blog.status_code == 200 and patched_blog.json()["banner"].endswith(".jpg")
