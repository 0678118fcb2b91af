"""A refresh token is spent once even when clients race to use it (PostgreSQL, real threads)."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tokens import RefreshToken
from testsupport.db import POSTGRES_ONLY, run_concurrently

pytestmark = POSTGRES_ONLY


class Refused(Exception):
    pass


def test_ten_concurrent_refreshes_of_one_token_rotate_it_once(user):
    token = str(RefreshToken.for_user(user))

    def spend(i):
        response = APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")
        if response.status_code != 200:
            raise Refused(response.status_code)

    outcomes = run_concurrently(10, spend)

    assert outcomes.count("ok") == 1
    assert outcomes.count("Refused") == 9
    # the original and the one new token
    assert OutstandingToken.objects.filter(user=user).count() == 2
