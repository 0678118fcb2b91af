"""Sign-in throttles: keyed on the address the proxies wrote, and on the account itself."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttles import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
ATTEMPTS = 60


@pytest.fixture
def proxies(settings):
    """``proxies(n)`` sets NUM_PROXIES as the environment would (DRF reloads its settings)."""

    def set_count(n):
        settings.NUM_PROXIES = n
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}

    return set_count


@pytest.fixture
def rates(monkeypatch):
    """``rates(auth=..., auth_account=...)``: DRF binds the rate table when it is imported."""

    def set_rates(**scopes):
        for scope, rate in scopes.items():
            monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rates


def sign_in(password, email="owner@example.com", **headers):
    return APIClient().post(
        "/api/auth/token/", {"email": email, "password": password}, format="json", **headers
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "access" not in response.json()


@pytest.mark.parametrize(
    "forwarded_for",
    [
        lambda i: f"198.51.100.{i}",  # a new address per request
        lambda i: f"1.2.3.4, 10.0.0.{i}",  # a made-up chain
    ],
    ids=["fresh-address", "fresh-chain"],
)
def test_a_spoofed_forwarded_for_does_not_escape_the_address_throttle(user, rates, forwarded_for):
    # given no proxy in front (the default): the header is the client's own text
    rates(auth_account="100000/hour")  # only the per-address throttle is under test

    # when a client guesses with a new X-Forwarded-For each time
    statuses = [
        sign_in(f"wrong-{i}", HTTP_X_FORWARDED_FOR=forwarded_for(i)).status_code
        for i in range(ATTEMPTS)
    ]

    # then it is throttled, and the right password is refused while it is
    assert statuses.count(401) == 10
    assert set(statuses[10:]) == {429}
    assert_throttled(sign_in(PASSWORD, HTTP_X_FORWARDED_FOR=forwarded_for(ATTEMPTS)))


def test_behind_one_proxy_only_the_address_it_appended_counts(user, rates, proxies):
    # given Koyeb's edge, which appends the address it saw to whatever the client sent
    proxies(1)
    rates(auth_account="100000/hour")

    # when one client (203.0.113.7) sends a new made-up chain with every guess
    statuses = [
        sign_in(f"wrong-{i}", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.0.0.{i}, 203.0.113.7").status_code
        for i in range(ATTEMPTS)
    ]

    # then it is throttled, while another client the edge saw still gets in
    assert set(statuses[10:]) == {429}
    assert_throttled(sign_in(PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"))
    assert sign_in(PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_one_account_is_throttled_whatever_the_address(user, rates, proxies):
    # given a botnet: every guess really comes from another address
    proxies(1)
    rates(auth="100000/min", auth_account="20/hour")

    statuses = [
        sign_in(f"wrong-{i}", HTTP_X_FORWARDED_FOR=f"203.0.{i // 250}.{i % 250}").status_code
        for i in range(ATTEMPTS)
    ]

    # then the account's budget bounds the guesses, and the right password waits too
    assert statuses.count(401) == 20
    assert set(statuses[20:]) == {429}
    assert_throttled(sign_in(PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"))
    # another account is not affected
    assert sign_in("wrong", email="other@example.com").status_code == 401


@pytest.mark.parametrize(
    "variant", ["OWNER@example.com", " owner@EXAMPLE.com ", "Owner@Example.COM"]
)
def test_the_account_budget_is_shared_by_every_spelling_of_the_email(user, rates, variant):
    rates(auth="100000/min", auth_account="3/hour")
    for _ in range(3):
        sign_in("wrong")

    assert_throttled(sign_in(PASSWORD, email=variant))


def test_a_throttled_answer_does_not_tell_whether_the_account_exists(user, rates):
    rates(auth="100000/min", auth_account="3/hour")

    def answers(email):
        return [
            (r.status_code, r.json()) for r in (sign_in("wrong", email=email) for _ in range(4))
        ]

    existing, missing = answers("owner@example.com"), answers("nobody@example.com")

    assert [code for code, _ in existing] == [401, 401, 401, 429]
    assert existing == missing


def test_wrong_current_passwords_spend_the_same_account_budget(user, rates):
    # A stolen access token must not open an unthrottled way to guess the password.
    rates(auth="100000/min", auth_account="5/hour")
    access = sign_in(PASSWORD).json()["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    statuses = [
        client.post(
            "/api/auth/password/",
            {"current_password": f"guess-{i}", "new_password": "another staple battery"},
            format="json",
        ).status_code
        for i in range(6)
    ]

    assert statuses == [400, 400, 400, 400, 429, 429]  # sign-in above spent one
    assert_throttled(sign_in(PASSWORD))


def test_password_change_is_throttled_per_user(user, rates):
    rates(auth="3/min", auth_account="100000/hour")
    access = sign_in(PASSWORD).json()["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    body = {"current_password": "guess", "new_password": "another staple battery"}

    statuses = [
        client.post("/api/auth/password/", body, format="json").status_code for _ in range(4)
    ]

    assert statuses == [400, 400, 400, 429]


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, "1.2.3.4", "127.0.0.1"),  # no proxy: the header is ignored
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (1, "1.2.3.4, not-an-address", "127.0.0.1"),  # never a made-up value
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_admin_lockout_sees_the_address_the_throttles_see(
    rf, proxies, count, forwarded_for, expected
):
    proxies(count)
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="127.0.0.1")

    assert client_ip(request) == expected
