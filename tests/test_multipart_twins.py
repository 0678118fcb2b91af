"""Every create posted as JSON and as multipart must give the same resource.

The React app posts ``FormData`` (multipart); TypeScript clients and the tests mostly post JSON.
The two used to disagree (a boolean left out of a form was read as ``False``), so every POST with
a body is listed in ``CREATES`` with a minimal and a full body, and each is posted both ways; the
answers must agree once generated values (ids, timestamps, stored names, URLs, tokens) are masked.

* Endpoints whose file is required cannot be posted as JSON: they are multipart only, and their
  answer must carry the defaults the table expects (``expect``).
* Endpoints with optional files also post the full body with its files (multipart only): the
  files may change only the keys they produce (``from_files``).
* Endpoints without a file field are marked JSON-only (``json_only``, with the reason): issue 13
  (item 11) makes them refuse forms. Until it lands their multipart twin must agree; once a
  view's parsers no longer take multipart, it must answer 415. ``view.parser_classes`` decides.

The guard at the end walks the live schema: a POST operation neither in ``CREATES`` nor in
``NO_BODY`` fails the suite, so a new create endpoint cannot ship without its twin.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from ai_agent import services as ai_services
from core import services as core_services
from core.models import Category, Product
from core.tests.helpers import ORDER_FIELDS
from tests.endpoints import operations
from tests.openapi import assert_on_schema
from testsupport.files import image_file

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # conftest's make_user
MULTIPART = "multipart/form-data"
NO_FILE_FIELD = "no file field: JSON only once forms are refused where no file is taken (item 11)"


@dataclass(frozen=True)
class Create:
    """One POST with a body: who sends it, where, and the bodies to post both ways."""

    who: str  # "anonymous", "user" or "staff"
    path: object  # callable(world) -> the concrete path
    bodies: dict  # name -> callable(world) -> body (no files)
    files: object = None  # callable() -> file fields (multipart only)
    files_required: bool = False  # JSON cannot carry the body: multipart only
    json_only: str = ""  # why forms will be refused (see the module docstring)
    from_files: frozenset = frozenset()  # keys the files may change
    expect: dict = field(default_factory=dict)  # body name -> values the answer must have
    status: int = 201
    statuses: dict = field(default_factory=dict)  # body name -> status, where it differs
    # A route another branch adds: skipped (with the reason) until it is routed here.
    pending: str = ""


def _future() -> str:
    return (timezone.now() + timedelta(days=2)).replace(microsecond=0).isoformat()


CREATES = {
    "POST /api/core/categories/": Create(
        who="staff",
        path=lambda w: "/api/core/categories/",
        bodies={
            "minimal": lambda w: {"name": "Spare parts"},
            "full": lambda w: {
                "name": "Spare parts",
                "slug": "parts",
                "description": "Fans and PSUs",
                "is_active": False,
            },
        },
        json_only=NO_FILE_FIELD,
        expect={"minimal": {"slug": "spare-parts", "description": "", "is_active": True}},
    ),
    "POST /api/core/products/": Create(
        who="staff",
        path=lambda w: "/api/core/products/",
        bodies={
            "minimal": lambda w: {"name": "S21", "price": "12.50", "category": w["category"].pk},
            "full": lambda w: {
                "name": "S21",
                "slug": "s21-hydro",
                "description": "Hydro cooled",
                "price": "12.50",
                "stock": 7,
                "category": w["category"].pk,
                "is_active": False,
            },
        },
        files=lambda: {"image": image_file()},
        from_files=frozenset(
            {"image", "image_url", "image_thumbnail_url", "cover_url", "cover_thumbnail_url"}
        ),
        expect={"minimal": {"slug": "s21", "stock": 0, "is_active": True, "images": []}},
    ),
    "POST /api/core/products/{id}/images/": Create(
        who="staff",
        path=lambda w: f"/api/core/products/{w['product'].pk}/images/",
        bodies={
            "minimal": lambda w: {},
            "full": lambda w: {"alt_text": "side view", "is_primary": True},
        },
        files=lambda: {"image": image_file()},
        files_required=True,
        expect={
            "minimal": {"alt_text": "", "is_primary": False, "position": 2},
            "full": {"alt_text": "side view", "is_primary": True, "position": 0},
        },
    ),
    "POST /api/core/products/{id}/images/reorder/": Create(
        who="staff",
        path=lambda w: f"/api/core/products/{w['product'].pk}/images/reorder/",
        bodies={"minimal": lambda w: {"order": w["gallery"][::-1]}},
        json_only=NO_FILE_FIELD,
        status=200,
    ),
    "POST /api/core/orders/": Create(
        who="user",
        path=lambda w: "/api/core/orders/",
        bodies={
            "minimal": lambda w: {
                **ORDER_FIELDS,
                "product": w["product"].pk,
                "quantity": 2,
                "payment_method": "cod",
            },
            "full": lambda w: {
                **ORDER_FIELDS,
                "product": w["product"].pk,
                "quantity": 3,
                "payment_method": "crypto",
                "txid": "0xabc123",
            },
        },
        files=lambda: {"image": image_file(), "txid_proof": image_file()},
        from_files=frozenset(
            {"image", "image_url", "image_thumbnail_url", "txid_proof", "txid_proof_url"}
        ),
        expect={"minimal": {"status": "pending", "txid": "", "image": None}},
    ),
    "POST /api/core/orders/{id}/status/": Create(
        who="staff",
        path=lambda w: f"/api/core/orders/{w['order'].pk}/status/",
        bodies={"minimal": lambda w: {"status": "paid"}},
        json_only=NO_FILE_FIELD,
        status=200,
    ),
    "POST /api/core/deposits/": Create(
        who="user",
        path=lambda w: "/api/core/deposits/",
        bodies={
            "minimal": lambda w: {"amount": "25.00", "method": "bank_transfer"},
            "full": lambda w: {"amount": "25.00", "method": "crypto", "reference": "0xfeed"},
        },
        files=lambda: {"proof": image_file()},
        files_required=True,
        expect={
            "minimal": {"reference": "", "status": "pending", "method": "bank_transfer"},
            "full": {"reference": "0xfeed", "status": "pending", "method": "crypto"},
        },
    ),
    "POST /api/core/deposits/{id}/reject/": Create(
        who="staff",
        path=lambda w: f"/api/core/deposits/{w['deposit'].pk}/reject/",
        bodies={"minimal": lambda w: {"reason": "The proof is unreadable."}},
        json_only=NO_FILE_FIELD,
        status=200,
    ),
    "POST /api/uploads/": Create(
        who="user",
        path=lambda w: "/api/uploads/",
        bodies={
            "minimal": lambda w: {
                "purpose": "orders.image",
                "content_type": "image/png",
                "size": 1000,
            },
        },
        json_only="announces a file by its type and size; the file itself goes to the answered URL",
    ),
    "POST /api/brands/": Create(
        who="user",
        path=lambda w: "/api/brands",
        bodies={
            "minimal": lambda w: {"name": "Ultra Mine"},
            "full": lambda w: {"name": "Ultra Mine", "slug": "ultra"},
        },
        json_only=NO_FILE_FIELD,
        expect={"minimal": {"slug": "ultra-mine"}},
    ),
    "POST /api/posts/": Create(
        who="user",
        path=lambda w: "/api/posts",
        bodies={
            "minimal": lambda w: {"caption": "New rigs are in"},
            "full": lambda w: {
                "caption": "New rigs are in",
                "status": "scheduled",
                "scheduled_at": w["future"],
                "brand": w["brand"].pk,
                "media_generations": [w["generation"].pk],
            },
        },
        files=lambda: {"media": [image_file(), image_file()]},
        from_files=frozenset({"media"}),
        expect={"minimal": {"status": "draft", "brand": None, "media": []}},
    ),
    "POST /api/blogs/": Create(
        who="user",
        path=lambda w: "/api/blogs",
        bodies={
            "minimal": lambda w: {"title": "Hello, miners"},
            "full": lambda w: {
                "title": "Hello, miners",
                "slug": "hello",
                "content": "Long text",
                "status": "published",
                "image_alt": "A rig",
                "banner_generation": w["generation"].pk,
            },
        },
        files=lambda: {"image": image_file()},
        from_files=frozenset({"image", "image_url", "image_thumbnail_url"}),
        expect={"minimal": {"slug": "hello-miners", "status": "draft", "banner": None}},
    ),
    "POST /api/ai-agent/generate-image/": Create(
        who="user",
        path=lambda w: "/api/ai-agent/generate-image",
        bodies={
            "minimal": lambda w: {"prompt": "a rig at sunrise"},
            "full": lambda w: {
                "prompt": "a rig at sunrise",
                "style": "photo",
                "aspect_ratio": "16:9",
                "image_size": "2K",
                "return_base64": True,
            },
            "async": lambda w: {"prompt": "a rig at sunrise", "async": True},
        },
        files=lambda: {
            "reference_image": image_file(size=(64, 36)),
            "reference_images": [image_file(size=(40, 40)), image_file(size=(30, 60))],
        },
        # The references are named in the prompt sent, and the placeholder draws them in.
        from_files=frozenset(
            {
                "reference_url",
                "reference_urls",
                "reference_width",
                "reference_height",
                "enhanced_prompt",
                "bytes",
            }
        ),
        expect={
            "minimal": {
                "status": "succeeded",
                "is_async": False,
                "aspect_ratio": "1:1",
                "image_size": None,
                "reference_urls": [],
            },
            "full": {"image_size": "2K", "width": 2048, "height": 1152},
            "async": {"status": "pending", "is_async": True},
        },
        statuses={"async": 202},
    ),
    "POST /api/auth/register/": Create(
        who="anonymous",
        path=lambda w: "/api/auth/register/",
        bodies={
            "minimal": lambda w: {"email": "new@example.com", "password": "a long passphrase"},
            "full": lambda w: {
                "email": "new@example.com",
                "password": "a long passphrase",
                "name": "New Miner",
            },
        },
        json_only=NO_FILE_FIELD,
        expect={"minimal": {"name": "", "is_staff": False}},
    ),
    "POST /api/auth/token/": Create(
        who="anonymous",
        path=lambda w: "/api/auth/token/",
        bodies={"minimal": lambda w: {"email": w["user"].email, "password": PASSWORD}},
        json_only=NO_FILE_FIELD,
        status=200,
    ),
    "POST /api/auth/token/refresh/": Create(
        who="anonymous",
        path=lambda w: "/api/auth/token/refresh/",
        bodies={"minimal": lambda w: {"refresh": w["refresh"]}},
        json_only=NO_FILE_FIELD,
        status=200,
    ),
    # Routed by the auth branch of issue 13 (item 8); listed now so the guard holds at the merge.
    "POST /api/auth/password/": Create(
        who="user",
        path=lambda w: "/api/auth/password/",
        bodies={
            "minimal": lambda w: {
                "current_password": PASSWORD,
                "new_password": "another long passphrase",
            }
        },
        json_only=NO_FILE_FIELD,
        status=204,
        pending="routed by the auth branch (issue 13, item 8)",
    ),
    "POST /api/auth/logout/": Create(
        who="user",
        path=lambda w: "/api/auth/logout/",
        bodies={"minimal": lambda w: {"refresh": w["refresh"]}},
        json_only=NO_FILE_FIELD,
        status=204,
        pending="routed by the auth branch (issue 13, item 8)",
    ),
}

# POST operations without a request body: nothing to post twice.
NO_BODY = {
    "POST /api/core/orders/{id}/cancel/": "the order in the path is the whole request",
    "POST /api/core/deposits/{id}/approve/": "the deposit in the path is the whole request",
    "POST /api/uploads/local/": "the upload URL POST /api/uploads/ hands out in local mode (S3's "
    "stand-in, left out of the schema); its multipart posts are in ultraminebackend/uploads/tests",
}


# --- the world every create is posted into ---------------------------------------------------


@pytest.fixture
def world(user, staff_user):
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig", slug="rig", price="12.50", stock=50, category=category
    )
    gallery = [
        core_services.product_image_add(product=product, image=image_file()).pk for _ in range(2)
    ]
    return {
        "user": user,
        "staff": staff_user,
        "category": category,
        "product": product,
        "gallery": gallery,
        "order": core_services.order_create(
            user=user, product=product, quantity=1, payment_method="cod", **ORDER_FIELDS
        ),
        "deposit": core_services.deposit_create(
            user=user, amount="10.00", method="bank_transfer", reference="", proof=image_file()
        ),
        "brand": user.brands.create(name="Acme", slug="acme"),
        "generation": ai_services.generation_create(user=user, prompt="a rig"),
        "refresh": str(RefreshToken.for_user(user)),
        "future": _future(),
    }


def client_of(world, who: str) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        token = RefreshToken.for_user(world[who]).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def posted(client, path, body, fmt):
    """POST, then undo it: both twins start from the same rows (stored files stay, harmless)."""
    with transaction.atomic():
        response = client.post(path, body, format=fmt)
        transaction.set_rollback(True)
    return response


def takes_multipart(path: str) -> bool:
    """Whether the view routed at ``path`` parses multipart (its ``parser_classes``)."""
    callback = resolve(path).func
    view = callback.cls(**callback.initkwargs)
    return any(parser.media_type == MULTIPART for parser in view.parser_classes)


# Generated values: ids, times, stored names, URLs, tokens and encoded bytes.
GENERATED_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "published_at",
    "started_at",
    "finished_at",
    "reviewed_at",
    "date_joined",
    "duration_ms",
    "access",
    "refresh",
    "image_base64",
    "cloudinary_public_id",
    "cloudinary_asset_id",
}
STORED_NAME = re.compile(r"[\w-]+(/[\w-]+)*/[0-9a-f]{32}(\.\w+)?")


def masked(value, key: str = ""):
    """``value`` with generated values replaced by a marker (``None`` stays ``None``)."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(item, key) for item in value]
    if value is None:
        return None
    if key in GENERATED_KEYS or key == "url" or key.endswith(("_url", "_urls")):
        return "<generated>"
    if isinstance(value, str) and STORED_NAME.fullmatch(value):
        return "<stored name>"
    return value


def without(data, keys) -> dict:
    return {k: v for k, v in data.items() if k not in keys} if isinstance(data, dict) else data


def _cases():
    for key, create in CREATES.items():
        for name in create.bodies:
            yield pytest.param(key, name, id=f"{key} {name}")


def _usable(key: str, create: Create, world) -> str:
    path = create.path(world)
    try:
        resolve(path)
    except Resolver404:
        if create.pending:
            pytest.skip(f"{key}: {create.pending}")
        raise
    return path


def _answer(response):
    return masked(response.json()) if response.content else None


@pytest.mark.parametrize(("key", "name"), list(_cases()))
def test_multipart_twin_agrees_with_json(world, key, name):
    # given
    create = CREATES[key]
    path = _usable(key, create, world)
    client = client_of(world, create.who)
    body = create.bodies[name](world)
    expected = create.expect.get(name, {})
    status = create.statuses.get(name, create.status)

    if create.files_required:
        # when: JSON cannot carry the file, so the form is the only way in
        response = posted(client, path, {**body, **create.files()}, "multipart")

        # then
        assert response.status_code == status, response.content
        assert_on_schema(response)
        assert {k: response.json()[k] for k in expected} == expected
        return

    # when
    as_json = posted(client, path, body, "json")
    as_form = posted(client, path, body, "multipart")

    # then
    assert as_json.status_code == status, as_json.content
    assert_on_schema(as_json)
    assert {k: as_json.json()[k] for k in expected} == expected
    if not takes_multipart(path):
        assert create.json_only, f"{key} refuses forms but is not marked JSON-only"
        assert as_form.status_code == 415, as_form.content
        return
    assert as_form.status_code == as_json.status_code, as_form.content
    assert_on_schema(as_form)
    assert _answer(as_form) == _answer(as_json)

    if create.files is not None and name == "full":
        # and with its files (multipart only), only what the files produce differs
        with_files = posted(client, path, {**body, **create.files()}, "multipart")
        assert with_files.status_code == status, with_files.content
        assert_on_schema(with_files)
        assert without(_answer(with_files), create.from_files) == without(
            _answer(as_json), create.from_files
        )
        changed = {k for k in create.from_files if with_files.json()[k] != as_json.json().get(k)}
        assert changed, f"{key}: the files changed nothing"


# --- guards -----------------------------------------------------------------------------------


def test_every_post_operation_has_a_twin_or_a_reason():
    in_schema = {operation.key for operation in operations(methods=("POST",))}

    missing = in_schema - set(CREATES) - set(NO_BODY)
    stale = {key for key in NO_BODY if key not in in_schema} | {
        key for key, create in CREATES.items() if key not in in_schema and not create.pending
    }

    assert missing == set(), "add these POST operations to CREATES (or NO_BODY, with why)"
    assert stale == set(), "these listed operations are gone from the schema"


def test_file_less_creates_are_marked_json_only_and_file_creates_are_not():
    for key, create in CREATES.items():
        takes_files = create.files is not None
        assert bool(create.json_only) is not takes_files, key


def test_the_mask_keeps_what_the_client_chose():
    answer = {
        "id": 3,
        "name": "S21",
        "image": "products/0123456789abcdef0123456789abcdef.png",
        "image_url": "http://testserver/media/x.png",
        "published_at": None,
        "items": [{"id": 9, "position": 0}],
    }

    assert masked(answer) == {
        "id": "<generated>",
        "name": "S21",
        "image": "<stored name>",
        "image_url": "<generated>",
        "published_at": None,
        "items": [{"id": "<generated>", "position": 0}],
    }
