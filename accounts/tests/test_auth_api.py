"""Auth flow end to end: register, token, refresh, me; validation and throttling."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def register(client, **body):
    return client.post("/api/auth/register/", {"password": PASSWORD, **body}, format="json")


def test_register_token_refresh_me_end_to_end(api_client):
    # given a new account
    created = register(api_client, email="Ann@Example.com", name="Ann")
    assert created.status_code == 201
    assert created.json()["email"] == "ann@example.com"
    assert "password" not in created.json()

    # when the user signs in (email is case-insensitive) and refreshes
    tokens = api_client.post(
        "/api/auth/token/", {"email": "ANN@example.com", "password": PASSWORD}, format="json"
    ).json()
    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})

    # then both access tokens identify the user
    assert refreshed.status_code == 200
    for access in (tokens["access"], refreshed.json()["access"]):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        me = api_client.get("/api/auth/me/")
        assert me.status_code == 200
        assert me.json()["email"] == "ann@example.com"
        assert me.json()["name"] == "Ann"


def test_routes_work_without_trailing_slash_and_without_redirect(api_client):
    created = api_client.post(
        "/api/auth/register", {"email": "b@example.com", "password": PASSWORD}, format="json"
    )
    token = api_client.post(
        "/api/auth/token", {"email": "b@example.com", "password": PASSWORD}, format="json"
    )

    assert created.status_code == 201
    assert token.status_code == 200


def test_me_can_change_the_name_but_not_the_email_or_staff_flag(client_for, user):
    client = client_for(user)

    response = client.patch(
        "/api/auth/me/", {"name": "New", "email": "x@example.com", "is_staff": True}, format="json"
    )

    user.refresh_from_db()
    assert response.status_code == 200
    assert (user.name, user.email, user.is_staff) == ("New", "owner@example.com", False)


def test_me_needs_authentication(api_client):
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "c@example.com", "password": "123"}, "password"),
        ({"email": "c@example.com", "password": "password"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": "c@example.com", "password": "c@example.com"}, "password"),
    ],
)
def test_invalid_registration_is_a_400_naming_the_field(api_client, body, field):
    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_duplicate_email_in_any_case_is_a_400(api_client, user):
    response = register(api_client, email="OWNER@example.com")

    assert response.status_code == 400
    assert response.json() == {"email": ["A user with this email already exists."]}


def test_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/token/", {"email": user.email, "password": "wrong"}, format="json"
    )

    assert response.status_code == 401
    assert "access" not in response.json()


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_auth_endpoints_are_throttled(api_client, path):
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])
    body = {"email": "nobody@example.com", "password": "x"}

    statuses = [api_client.post(path, body, format="json").status_code for _ in range(allowed + 1)]

    assert 429 not in statuses[:allowed]
    assert statuses[-1] == 429


@pytest.mark.parametrize("body", ["{not json", "[]", '"a string"', "null"])
def test_malformed_json_is_a_400(api_client, body):
    response = api_client.post("/api/auth/register/", body, content_type="application/json")

    assert response.status_code == 400
