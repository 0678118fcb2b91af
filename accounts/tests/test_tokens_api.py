"""Token lifecycle over HTTP: refresh rotation, logout, and password change revoking tokens."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.parsers import MultiPartParser
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tests.openapi import assert_on_schema

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another staple battery"


def sign_in(email="owner@example.com", password=PASSWORD):
    response = APIClient().post(
        "/api/auth/token/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def me_status(access):
    return bearer(access).get("/api/auth/me/").status_code


def refresh(token):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def change_password(access, current=PASSWORD, new=NEW_PASSWORD, **kwargs):
    return bearer(access).post(
        "/api/auth/password/",
        {"current_password": current, "new_password": new},
        **{"format": "json", **kwargs},
    )


# --- refresh rotation ---------------------------------------------------------------------------


def test_refresh_answers_a_new_pair_and_spends_the_old_refresh_token(user):
    # given a signed-in user
    tokens = sign_in()

    # when the refresh token is used once, then again
    first = refresh(tokens["refresh"])
    replay = refresh(tokens["refresh"])

    # then the first use rotates, the replay is refused, and the new pair works
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != tokens["refresh"]
    assert_on_schema(first)
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"
    assert_on_schema(replay)
    assert me_status(first.json()["access"]) == 200
    assert refresh(first.json()["refresh"]).status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": "not.a.jwt"}, {"refresh": 5}])
def test_a_bad_refresh_body_is_a_4xx_never_a_500(api_client, body):
    response = api_client.post("/api/auth/token/refresh/", body, format="json")

    assert response.status_code in (400, 401)
    if response.status_code == 400:
        assert "refresh" in response.json()


def test_an_access_token_is_no_refresh_token(user):
    tokens = sign_in()

    assert refresh(tokens["access"]).status_code == 401


def test_the_refresh_token_of_a_deleted_user_is_a_401_not_a_500(user):
    tokens = sign_in()
    user.delete()

    assert refresh(tokens["refresh"]).status_code == 401


def test_the_refresh_token_of_a_deactivated_user_is_refused(user):
    tokens = sign_in()
    user.is_active = False
    user.save()

    assert refresh(tokens["refresh"]).status_code == 401


# --- logout -------------------------------------------------------------------------------------


def test_logout_revokes_that_refresh_token_only(user):
    # given two sessions of one user
    phone, laptop = sign_in(), sign_in()

    # when the phone logs out
    response = bearer(phone["access"]).post(
        "/api/auth/logout/", {"refresh": phone["refresh"]}, format="json"
    )

    # then the phone's refresh token is dead, the laptop's still works
    assert response.status_code == 204
    assert response.content == b""
    assert_on_schema(response)
    assert refresh(phone["refresh"]).status_code == 401
    assert refresh(laptop["refresh"]).status_code == 200


def test_logout_of_someone_elses_refresh_token_is_a_400_and_revokes_nothing(user, other_user):
    mine, theirs = sign_in(), sign_in(email=other_user.email)

    response = bearer(mine["access"]).post(
        "/api/auth/logout/", {"refresh": theirs["refresh"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This token belongs to another user."]}
    assert_on_schema(response)
    assert refresh(theirs["refresh"]).status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": "garbage"}, {"refresh": ["a"]}])
def test_logout_with_a_bad_token_is_a_400_naming_refresh(user, body):
    tokens = sign_in()

    response = bearer(tokens["access"]).post("/api/auth/logout/", body, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()


def test_logout_twice_is_a_400_the_token_is_already_revoked(user):
    tokens = sign_in()
    client = bearer(tokens["access"])
    client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    again = client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert again.status_code == 400
    assert "refresh" in again.json()


def test_logout_needs_a_signed_in_user(user):
    tokens = sign_in()

    response = APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert refresh(tokens["refresh"]).status_code == 200


# --- password change ----------------------------------------------------------------------------


def test_password_change_revokes_every_earlier_access_and_refresh_token(user):
    # given two sessions, one of which has already rotated its refresh token
    first, second = sign_in(), sign_in()
    rotated = refresh(second["refresh"]).json()

    # when the user changes the password from the first session
    response = change_password(first["access"])

    # then every earlier token is refused, and the new password signs in
    assert response.status_code == 204
    assert response.content == b""
    assert_on_schema(response)
    for access in (first["access"], second["access"], rotated["access"]):
        assert me_status(access) == 401
    for token in (first["refresh"], rotated["refresh"]):
        assert refresh(token).status_code == 401
    fresh = sign_in(password=NEW_PASSWORD)
    assert me_status(fresh["access"]) == 200
    assert refresh(fresh["refresh"]).status_code == 200
    assert (
        APIClient()
        .post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
        .status_code
        == 401
    )


def test_tokens_issued_in_the_same_second_as_the_change_are_told_apart(user):
    # Timestamps of one-second resolution could not order these; the version counter does.
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC), tick=False):
        before = sign_in()
        assert change_password(before["access"]).status_code == 204
        after = sign_in(password=NEW_PASSWORD)

        assert me_status(before["access"]) == 401
        assert refresh(before["refresh"]).status_code == 401
        assert me_status(after["access"]) == 200
        assert refresh(after["refresh"]).status_code == 200


def test_password_change_blacklists_the_outstanding_refresh_tokens(user):
    sign_in(), sign_in()

    change_password(sign_in()["access"])

    outstanding = OutstandingToken.objects.filter(user=user)
    assert outstanding.count() == 3
    assert BlacklistedToken.objects.filter(token__in=outstanding).count() == 3


def test_a_wrong_current_password_is_a_400_naming_it_and_changes_nothing(user):
    tokens = sign_in()

    response = change_password(tokens["access"], current="not my password")

    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is incorrect."]}
    assert_on_schema(response)
    assert me_status(tokens["access"]) == 200
    sign_in(password=PASSWORD)


@pytest.mark.parametrize(
    "new",
    [
        "          ",  # whitespace only, long enough for the length check
        "\t \n \t \n \t ",
        "short",
        "password",  # common
        "owner@example.com",  # like the user's email
        "12345678901",
    ],
)
def test_an_invalid_new_password_is_a_400_naming_it(user, new):
    tokens = sign_in()

    response = change_password(tokens["access"], new=new)

    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    assert me_status(tokens["access"]) == 200


def test_a_whitespace_only_password_cannot_register(api_client):
    response = api_client.post(
        "/api/auth/register/", {"email": "ws@example.com", "password": " " * 12}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"password": ["This password is only whitespace."]}
    assert not get_user_model().objects.filter(email="ws@example.com").exists()


def test_spaces_around_a_password_are_kept_not_stripped(api_client):
    created = api_client.post(
        "/api/auth/register/",
        {"email": "sp@example.com", "password": "  padded secret  "},
        format="json",
    )

    assert created.status_code == 201
    assert sign_in("sp@example.com", "  padded secret  ")
    assert (
        api_client.post(
            "/api/auth/token/",
            {"email": "sp@example.com", "password": "padded secret"},
            format="json",
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"current_password": PASSWORD}, {"new_password": NEW_PASSWORD}, {"current_password": ""}],
)
def test_missing_password_fields_are_a_400_naming_them(user, body):
    tokens = sign_in()

    response = bearer(tokens["access"]).post("/api/auth/password/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) <= {"current_password", "new_password"}
    assert response.json()


def test_password_change_needs_a_signed_in_user(api_client, user):
    response = api_client.post(
        "/api/auth/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 401
    assert_on_schema(response)


def test_a_session_user_keeps_the_session_through_a_password_change(user):
    # The browsable API signs in with the session: Django's own views keep that one session.
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)

    response = client.post(
        "/api/auth/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert client.get("/api/auth/me/").status_code == 200


def test_staff_resetting_a_password_in_the_admin_revokes_the_users_tokens(user, staff_user):
    # given a user's tokens and a staff member in the admin
    tokens = sign_in()
    staff_user.is_superuser = True
    staff_user.save()
    admin = APIClient()
    admin.force_login(staff_user)

    # when the staff member sets a new password for the user
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        format="multipart",
    )

    # then the user's tokens are refused
    assert response.status_code == 302, response.content[:500]
    assert me_status(tokens["access"]) == 401
    assert refresh(tokens["refresh"]).status_code == 401
    sign_in(password=NEW_PASSWORD)


# --- multipart twins ----------------------------------------------------------------------------


def form_outcome(json_status: int) -> int:
    """What a form post must answer: the JSON outcome when the route takes forms, else 415.

    The project's default parsers decide (file-less endpoints may be JSON-only); either way a
    form is never half-read.
    """
    takes_forms = any(issubclass(p, MultiPartParser) for p in api_settings.DEFAULT_PARSER_CLASSES)
    return json_status if takes_forms else 415


def test_password_change_by_form_is_the_same_as_by_json(user):
    tokens = sign_in()

    response = change_password(tokens["access"], format="multipart")

    assert response.status_code == form_outcome(204)
    if response.status_code == 204:
        assert me_status(tokens["access"]) == 401
        sign_in(password=NEW_PASSWORD)


def test_logout_by_form_is_the_same_as_by_json(user):
    tokens = sign_in()

    response = bearer(tokens["access"]).post(
        "/api/auth/logout/", {"refresh": tokens["refresh"]}, format="multipart"
    )

    assert response.status_code == form_outcome(204)
    if response.status_code == 204:
        assert refresh(tokens["refresh"]).status_code == 401


def test_refresh_by_form_is_the_same_as_by_json(user):
    tokens = sign_in()

    response = APIClient().post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="multipart"
    )

    assert response.status_code == form_outcome(200)
    if response.status_code == 200:
        assert refresh(tokens["refresh"]).status_code == 401
