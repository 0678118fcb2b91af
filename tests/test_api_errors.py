"""Every API error is JSON: unknown routes, ids that name nothing or are not numbers, methods a
route does not take, NUL in a query parameter; for anonymous users, users and staff.

The routes come from the OpenAPI schema drf-spectacular generates now, so a new endpoint is
walked as soon as it is routed, and a query parameter as soon as the schema lists it.
"""

import json
import re
from functools import cache

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from ultraminebackend import handlers
from ultraminebackend.health import HealthView

pytestmark = pytest.mark.django_db

MISSING_ID = "987654321"
NOT_AN_ID = "abc"
WRITES = {"POST", "PUT", "PATCH"}


@cache
def schema_paths() -> dict[str, dict]:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def fill(template: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, template)


def send(client, method: str, path: str):
    if method in WRITES:
        return client.generic(method, path, json.dumps({}), content_type="application/json")
    return client.generic(method, path)


def off_json(response, method, path, expected) -> str | None:
    """What is wrong with one answer, or None: the status set and a JSON body, never HTML."""
    where = f"{method} {path} -> {response.status_code}"
    if response.status_code not in expected:
        return f"{where}, expected one of {sorted(expected)}: {response.content[:120]!r}"
    if not response["Content-Type"].startswith("application/json"):
        return f"{where} answered {response['Content-Type']}: {response.content[:120]!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{where} is not JSON: {response.content[:120]!r}"
    if response.status_code in {401, 403, 404, 405} and not isinstance(body.get("detail"), str):
        return f"{where} has no detail: {body!r}"
    return None


@pytest.fixture(params=["anonymous", "user", "staff"])
def identity(request, client_for, user, staff_user):
    who = {"anonymous": None, "user": user, "staff": staff_user}[request.param]
    return request.param, client_for(who)


def test_every_detail_route_answers_json_for_a_missing_id_a_non_numeric_id_and_a_wrong_method(
    identity,
):
    who, client = identity
    problems = []
    for template, operations in schema_paths().items():
        if "{" not in template:
            continue
        methods = {method.upper() for method in operations}
        unrouted = "PUT" if "PUT" not in methods else "POST"
        missing, not_numeric = fill(template, MISSING_ID), fill(template, NOT_AN_ID)
        # A missing id: 404 to staff (who may do anything); 401/403 first to the others where
        # the route is not theirs.
        for method in methods:
            expected = {404} if who == "staff" else {401, 403, 404}
            problems.append(off_json(send(client, method, missing), method, missing, expected))
        expected = {405} if who == "staff" else {401, 403, 405}
        problems.append(off_json(send(client, unrouted, missing), unrouted, missing, expected))
        # Not a number, or a path below the route: no route matches, 404 for everyone.
        for method in {*methods, unrouted}:
            problems.append(off_json(send(client, method, not_numeric), method, not_numeric, {404}))
        below = f"{missing}nothing-here/"
        problems.append(off_json(send(client, "GET", below), "GET", below, {404}))
    assert [problem for problem in problems if problem] == []


def test_every_route_answers_json_below_it_and_beside_it(identity):
    _, client = identity
    paths = [f"{fill(template, MISSING_ID)}nothing-here/" for template in schema_paths()]
    paths += ["/api/nothing", "/api/nothing/", "/api", "/api/core/nothing", "/api/auth/nothing/"]
    problems = [
        off_json(send(client, method, path), method, path, {404})
        for path in paths
        for method in ("GET", "POST", "DELETE")
    ]
    assert [problem for problem in problems if problem] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/core/orders/"),
        ("PUT", "/api/core/wallet/"),
        ("GET", "/api/auth/token/"),
        ("PATCH", "/api/ai-agent/generate-image"),
    ],
)
def test_a_method_the_route_does_not_take_is_a_json_405(client_for, staff_user, method, path):
    response = send(client_for(staff_user), method, path)

    assert off_json(response, method, path, {405}) is None
    assert response.json()["detail"] == f'Method "{method}" not allowed.'


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_are_json_with_debug_on_too_and_other_paths_keep_django_pages(
    client, settings, debug
):
    # with DEBUG on Django answers its technical 404 page instead of calling handler404
    settings.DEBUG = debug

    api = client.get("/api/core/orders/abc/")
    site = client.get("/nothing-here/")

    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}
    assert site.status_code == 404
    assert site["Content-Type"].startswith("text/html")


def test_an_unexpected_error_under_api_is_a_json_500(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(HealthView, "get", fail)

    response = Client(raise_request_exception=False).get("/api/health/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}


def test_a_host_we_do_not_serve_is_a_json_400_under_api(client):
    response = client.get("/api/health/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_the_handlers_keep_django_pages_outside_the_api(rf):
    request = rf.get("/admin/")

    assert handlers.server_error(request)["Content-Type"].startswith("text/html")
    assert handlers.bad_request(request, None)["Content-Type"].startswith("text/html")
    assert handlers.permission_denied(request, None)["Content-Type"].startswith("text/html")
    assert handlers.page_not_found(request, None)["Content-Type"].startswith("text/html")


def query_parameters() -> list[tuple[str, str]]:
    return sorted(
        {
            (fill(template, MISSING_ID), parameter["name"])
            for template, operations in schema_paths().items()
            for parameter in operations.get("get", {}).get("parameters", [])
            if parameter["in"] == "query"
        }
    )


def test_the_schema_lists_the_query_parameters_this_test_walks():
    names = {name for _, name in query_parameters()}

    assert {"search", "ordering", "page", "page_size", "category", "status"} <= names


def test_nul_in_any_query_parameter_is_a_400_naming_it(client_for, staff_user):
    client = client_for(staff_user)
    problems = []
    for path, name in query_parameters():
        response = client.get(path, {name: "\x00"})
        body = response.json() if response["Content-Type"] == "application/json" else None
        if response.status_code != 400 or body != {name: ["Null characters are not allowed."]}:
            problems.append(f"{path}?{name}=%00 -> {response.status_code} {response.content!r}")
    assert problems == []


def test_nul_in_a_query_parameter_is_refused_on_every_route_and_outside_the_api(client):
    assert client.get("/api/core/products/", {"search": "rig\x00"}).json() == {
        "search": ["Null characters are not allowed."]
    }
    assert client.get("/api/core/products/", {"x\x00": "1"}).status_code == 400
    # the admin's search too (PostgreSQL cannot compare text holding NUL): Django's 400 page
    outside = client.get("/admin/login/", {"q": "\x00"})
    assert outside.status_code == 400
    assert outside["Content-Type"].startswith("text/html")
