"""The OpenAPI schema says what the server answers, errors included (issue 14).

Each test makes a real request and checks the answer against ``/api/schema/`` as drf-spectacular
generates it (``assert_on_schema``: status documented, required headers present, body on schema),
or reads the schema for what a generated TypeScript client relies on. The fuzzer
(``.ci/fuzz_api.py``) explores the rest with every schemathesis check.
"""

import re

import pytest
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator

from content.models import Post
from core import services
from core.models import Category, Deposit, Product
from tests.openapi import assert_on_schema
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def product():
    category = Category.objects.create(name="Rigs", slug="rigs")
    return Product.objects.create(
        name="Rig", slug="rig", price="250.00", stock=5, category=category
    )


def _deposit(user) -> Deposit:
    return services.deposit_create(
        user=user, amount="10.00", method="crypto", reference="tx", proof=image_file()
    )


# --- error answers are documented, with their bodies ---------------------------------------------


def test_a_validation_error_is_documented_with_its_field_lists(client_for, user):
    response = client_for(user).post("/api/core/orders/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["product"] == ["This field is required."]
    assert_on_schema(response)


def test_a_body_that_is_not_json_is_a_documented_400(client_for, user):
    response = client_for(user).post("/api/brands/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert_on_schema(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/core/wallet/"), ("get", "/api/core/orders/"), ("post", "/api/posts/")],
)
def test_no_credentials_is_a_documented_401(client_for, method, path):
    response = getattr(client_for(), method)(path)

    assert response.status_code == 401
    assert_on_schema(response)


def test_a_user_writing_the_catalogue_is_a_documented_403(client_for, user):
    response = client_for(user).post("/api/core/categories/", {"name": "X"}, format="json")

    assert response.status_code == 403
    assert_on_schema(response)


def test_an_unknown_id_and_a_page_past_the_end_are_documented_404s(client_for, user):
    missing = client_for(user).get("/api/core/orders/999999/")
    past_the_end = client_for(user).get("/api/core/orders/?page=7")

    assert (missing.status_code, past_the_end.status_code) == (404, 404)
    assert_on_schema(missing)
    assert_on_schema(past_the_end)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_second_review_is_a_409_with_a_detail(client_for, user, staff_user, action):
    deposit = _deposit(user)
    staff = client_for(staff_user)
    staff.post(f"/api/core/deposits/{deposit.pk}/approve/", format="json")

    response = staff.post(
        f"/api/core/deposits/{deposit.pk}/{action}/", {"reason": "no"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"]
    assert_on_schema(response)


def test_the_daily_image_quota_is_an_error_body_with_retry_after(client_for, user, settings):
    settings.AI_DAILY_LIMIT = 0

    response = client_for(user).post(
        "/api/ai-agent/generate-image", {"prompt": "a rig"}, format="json"
    )

    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert_on_schema(response)  # Retry-After is required for a 429


def test_a_throttled_sign_in_is_a_documented_429(api_client):
    allowed = int(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])
    body = {"email": "nobody@example.com", "password": "x"}
    for _ in range(allowed):
        api_client.post("/api/auth/token/", body, format="json")

    response = api_client.post("/api/auth/token/", body, format="json")

    assert response.status_code == 429
    assert_on_schema(response)


def test_the_checker_refuses_an_undocumented_status(client_for, user):
    """The helper must be able to fail: the wallet never answers 409."""
    response = client_for(user).get("/api/core/wallet/")
    response.status_code = 409

    with pytest.raises(AssertionError, match="answered 409"):
        assert_on_schema(response)


# --- the server takes what the schema allows, and refuses what it forbids ------------------------


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0", "page_size=-2", "page=1.5"])
def test_page_parameters_outside_the_schema_are_a_documented_400(client_for, user, query):
    response = client_for(user).get(f"/api/core/orders/?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"page", "page_size"}
    assert_on_schema(response)


def test_a_large_page_size_is_capped_not_refused(client_for, user):
    response = client_for(user).get("/api/core/orders/?page_size=5000")

    assert response.status_code == 200
    assert_on_schema(response)


@pytest.mark.parametrize(
    "path", ["/api/posts/?brand=999999", "/api/blogs/?author=999999", "/api/blogs/?author=-3"]
)
def test_filtering_by_an_id_no_row_has_is_an_empty_list(client_for, user, path):
    response = client_for(user).get(path)

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert_on_schema(response)


@pytest.mark.parametrize("value", [" 1", "+1", "1.0", "\u0661", "1e0", "x"])
def test_an_id_filter_takes_only_what_the_schema_calls_an_integer(client_for, user, value):
    response = client_for(user).get("/api/blogs/", {"author": value})

    assert response.status_code == 400
    assert "author" in response.json()
    assert_on_schema(response)


def test_a_negative_amount_is_refused_and_the_schema_forbids_it(client_for, user, schema):
    pattern = schema["components"]["schemas"]["DepositCreateRequest"]["properties"]["amount"]
    response = client_for(user).post(
        "/api/core/deposits/",
        {"amount": "-5.00", "method": "crypto", "proof": image_file()},
        format="multipart",
    )

    assert re.fullmatch(pattern["pattern"], "-5.00") is None
    assert re.fullmatch(pattern["pattern"], "0.00") is None  # at least a cent
    assert re.fullmatch(pattern["pattern"], "5.00") and re.fullmatch(pattern["pattern"], "0.01")
    assert response.status_code == 400 and "amount" in response.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/brands/", {"name": 0}),  # text given as a number
        ("/api/core/categories/", {"name": "Rigs", "is_active": 0}),  # a boolean as a number
        ("/api/ai-agent/generate-image", {"prompt": "a rig", "async": "true"}),  # as a string
    ],
)
def test_a_json_value_of_the_wrong_type_is_refused(client_for, staff_user, path, body):
    response = client_for(staff_user).post(path, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == set(body) - {"prompt"} - (
        {"name"} if "is_active" in body else set()
    )
    assert_on_schema(response)


def test_a_form_boolean_is_true_false_on_or_off(client_for, user):
    response = client_for(user).post(
        "/api/ai-agent/generate-image", {"prompt": "a rig", "async": "1"}, format="multipart"
    )

    assert response.status_code == 400 and "async" in response.json()


@pytest.mark.parametrize(
    "body",
    [b"[]--b--\r\n", b"--b\r\n[]--b--\r\n"],
    ids=["a preamble", "a part without a name"],
)
def test_a_multipart_body_that_is_no_form_is_refused(client_for, user, body):
    post = Post.objects.create(user=user, caption="hello")

    response = client_for(user).patch(
        f"/api/posts/{post.pk}/", body, content_type="multipart/form-data; boundary=b"
    )

    assert response.status_code == 400
    assert_on_schema(response)


def test_an_empty_multipart_patch_changes_nothing(client_for, user):
    post = Post.objects.create(user=user, caption="hello")

    response = client_for(user).patch(
        f"/api/posts/{post.pk}/", b"--b--\r\n", content_type="multipart/form-data; boundary=b"
    )

    assert response.status_code == 200
    assert response.json()["caption"] == "hello"


def test_orders_filter_by_one_status(client_for, user, schema):
    parameters = schema["paths"]["/api/core/orders/"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")

    response = client_for(user).get("/api/core/orders/?status=paid")

    assert status["schema"].get("type") != "array"
    assert response.status_code == 200


# --- what a generated client's types rest on -----------------------------------------------------


def test_reading_the_catalogue_needs_no_credentials_and_the_schema_says_so(
    client_for, product, schema
):
    response = client_for().get(f"/api/core/products/{product.pk}/")

    assert response.status_code == 200
    assert {} in schema["paths"]["/api/core/products/{id}/"]["get"]["security"]
    assert {} not in schema["paths"]["/api/core/products/{id}/"]["patch"]["security"]


def test_adding_a_gallery_image_is_a_201_with_one_image(client_for, staff_user, product):
    response = client_for(staff_user).post(
        f"/api/core/products/{product.pk}/images/", {"image": image_file()}, format="multipart"
    )

    assert response.status_code == 201
    assert isinstance(response.json(), dict)
    assert_on_schema(response)


def test_the_gallery_post_takes_no_list_parameters(schema):
    operation = schema["paths"]["/api/core/products/{id}/images/"]["post"]

    assert [p["name"] for p in operation["parameters"]] == ["id"]


def test_generate_image_answers_the_image_in_base64_when_asked(client_for, user):
    response = client_for(user).post(
        "/api/ai-agent/generate-image", {"prompt": "a rig", "return_base64": True}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["image_base64"] and response.json()["image_mime_type"]
    assert_on_schema(response)


def test_generation_choices_are_enums(schema):
    properties = schema["components"]["schemas"]["Generation"]["properties"]

    for name in ("style", "aspect_ratio", "provider"):
        assert "$ref" in str(properties[name]), name


def test_every_path_id_is_an_integer(schema):
    for path, item in schema["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["type"] == "integer", (path, parameter)


def test_uploads_offer_multipart_and_json_only_without_files(schema):
    def content(path, method="post"):
        return schema["paths"][path][method]["requestBody"]["content"]

    # A required file may come as a direct upload's id instead (`X_upload`), which JSON carries.
    for path, file in (
        ("/api/core/deposits/", "proof"),
        ("/api/core/products/{id}/images/", "image"),
    ):
        body = content(path)
        assert set(body) == {"multipart/form-data", "application/json"}, path
        json_name = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        json_props = schema["components"]["schemas"][json_name]["properties"]
        assert file not in json_props and json_props[f"{file}_upload"]["format"] == "uuid", path
    posts = content("/api/posts/")
    assert set(posts) == {"multipart/form-data", "application/json"}
    json_body = posts["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "media" not in schema["components"]["schemas"][json_body]["properties"]


def test_request_bodies_carry_no_defaults_and_components_no_internal_notes(schema):
    for name, component in schema["components"]["schemas"].items():
        assert "ModelSerializer" not in component.get("description", ""), name
        if name.endswith(("Request", "RequestJson")):
            for field, prop in component.get("properties", {}).items():
                assert "default" not in prop, (name, field)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/token/", {"email": "nobody@example.com", "password": "wrong-password"}),
        ("/api/auth/token/refresh/", {"refresh": "not-a-token"}),
    ],
)
def test_a_refused_sign_in_or_refresh_is_a_401_with_its_detail_documented(
    api_client, schema, path, body
):
    """The view declares these 401s itself; their body is still the ErrorDetail clients read."""
    response = api_client.post(path, body, format="json")

    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)
    content = schema["paths"][path]["post"]["responses"]["401"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert_on_schema(response)
