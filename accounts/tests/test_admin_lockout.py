"""The admin login is bounded by django-axes: lockout after failures, cool-off, reset."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
START = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def staff(staff_user):
    return staff_user


def admin_login(password, username="staff@example.com", client=None, **headers):
    client = client or Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **headers
    )
    return response, client


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_a_correct_admin_login_before_the_limit_works_and_resets_the_count(staff):
    # given failures just below the limit
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        response, _ = admin_login(f"wrong-{i}")
        assert response.status_code == 200  # the form again, with its error

    # when the right password comes
    response, client = admin_login(PASSWORD)

    # then staff is in, and the count starts again
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()


def test_forty_wrong_admin_logins_lock_the_account_until_the_cool_off_passes(staff):
    with time_machine.travel(START, tick=False) as clock:
        # given 40 wrong guesses
        statuses = [admin_login(f"wrong-{i}")[0].status_code for i in range(40)]
        limit = settings.AXES_FAILURE_LIMIT
        assert set(statuses[: limit - 1]) == {200}
        assert set(statuses[limit - 1 :]) == {429}

        # when the right password comes, then it is refused: locked
        response, client = admin_login(PASSWORD)
        assert response.status_code == 429
        assert b"too many login attempts" in response.content
        assert not signed_in(client)

        # still refused just before the cool-off has passed since the last attempt
        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
        assert admin_login(PASSWORD)[0].status_code == 429

        # and accepted once it has
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        response, client = admin_login(PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_the_lockout_holds_whatever_the_address_and_the_spelling(settings, staff):
    # given Koyeb's edge in front, and guesses from many addresses
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login("wrong", username="Staff@Example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")

    # then the account is locked from a new address and in another spelling
    response, _ = admin_login(PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(make_user, staff):
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login("wrong", username=f"someone{i}@example.com")

    assert admin_login(PASSWORD)[0].status_code == 429


def test_axes_reset_unlocks(staff):
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login(f"wrong-{i}")
    assert admin_login(PASSWORD)[0].status_code == 429

    call_command("axes_reset", verbosity=0)

    assert admin_login(PASSWORD)[0].status_code == 302


def test_api_sign_ins_neither_count_toward_nor_are_refused_by_the_admin_lockout(staff):
    # API failures are bounded by the API's throttles, not recorded by axes
    for i in range(3):
        response = APIClient().post(
            "/api/auth/token/", {"email": staff.email, "password": f"wrong-{i}"}, format="json"
        )
        assert response.status_code == 401
    assert not AccessAttempt.objects.exists()

    # a locked admin account can still use the API with the right password
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login(f"wrong-{i}")
    response = APIClient().post(
        "/api/auth/token/", {"email": staff.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_a_login_without_a_request_is_no_admin_login_and_passes(staff):
    # The test client's login() (like the shell) authenticates without a request.
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login(f"wrong-{i}")
    client = Client()

    assert client.login(username=staff.email, password=PASSWORD)
    assert signed_in(client)
    assert admin_login(PASSWORD)[0].status_code == 429  # the form is still locked
