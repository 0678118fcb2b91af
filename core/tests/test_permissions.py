"""The permission matrix: anonymous, owner, another user and staff on every store route."""

import pytest

from testsupport.files import image_file

from .helpers import order_form

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "staff")


@pytest.fixture
def world(user, other_user, staff_user, product, order_for, deposit_for, client_for):
    """One order and one deposit owned by ``user``, and a client per role."""
    clients = {
        "anonymous": client_for(None),
        "owner": client_for(user),
        "other": client_for(other_user),
        "staff": client_for(staff_user),
    }
    return {
        "clients": clients,
        "order": order_for(user),
        "deposit": deposit_for(user),
        "product": product,
    }


def call(world, role, method, path, body=None, fmt="json"):
    client = world["clients"][role]
    path = path.format(
        order=world["order"].pk, deposit=world["deposit"].pk, product=world["product"].pk
    )
    return (
        getattr(client, method)(path, body, format=fmt)
        if body is not None
        else getattr(client, method)(path)
    )


# (method, path, body-factory, {role: expected status})
MATRIX = [
    (
        "get",
        "/api/core/categories/",
        None,
        {"anonymous": 200, "owner": 200, "other": 200, "staff": 200},
    ),
    (
        "get",
        "/api/core/products/",
        None,
        {"anonymous": 200, "owner": 200, "other": 200, "staff": 200},
    ),
    (
        "get",
        "/api/core/products/{product}/",
        None,
        {"anonymous": 200, "owner": 200, "other": 200, "staff": 200},
    ),
    (
        "post",
        "/api/core/categories/",
        lambda w: {"name": "New", "slug": "new"},
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 201},
    ),
    (
        "patch",
        "/api/core/products/{product}/",
        lambda w: {"stock": 3},
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 200},
    ),
    (
        "post",
        "/api/core/products/{product}/images/",
        lambda w: {"image": image_file()},
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 201},
    ),
    (
        "delete",
        "/api/core/products/{product}/",
        None,
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 409},
    ),
    (
        "get",
        "/api/core/orders/",
        None,
        {"anonymous": 401, "owner": 200, "other": 200, "staff": 200},
    ),
    (
        "get",
        "/api/core/orders/{order}/",
        None,
        {"anonymous": 401, "owner": 200, "other": 404, "staff": 200},
    ),
    (
        "post",
        "/api/core/orders/",
        lambda w: order_form(w["product"]),
        {"anonymous": 401, "owner": 201, "other": 201, "staff": 201},
    ),
    (
        "post",
        "/api/core/orders/{order}/cancel/",
        None,
        {"anonymous": 401, "owner": 200, "other": 404, "staff": 403},
    ),
    (
        "post",
        "/api/core/orders/{order}/status/",
        lambda w: {"status": "paid"},
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 200},
    ),
    (
        "get",
        "/api/core/deposits/",
        None,
        {"anonymous": 401, "owner": 200, "other": 200, "staff": 200},
    ),
    (
        "get",
        "/api/core/deposits/{deposit}/",
        None,
        {"anonymous": 401, "owner": 200, "other": 404, "staff": 200},
    ),
    (
        "post",
        "/api/core/deposits/",
        lambda w: {"amount": "5.00", "method": "crypto", "proof": image_file()},
        {"anonymous": 401, "owner": 201, "other": 201, "staff": 201},
    ),
    (
        "post",
        "/api/core/deposits/{deposit}/approve/",
        None,
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 200},
    ),
    (
        "post",
        "/api/core/deposits/{deposit}/reject/",
        lambda w: {"reason": "no"},
        {"anonymous": 401, "owner": 403, "other": 403, "staff": 200},
    ),
    (
        "get",
        "/api/core/wallet/",
        None,
        {"anonymous": 401, "owner": 200, "other": 200, "staff": 200},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_permission_matrix(world, role, method, path, body, expected):
    payload = body(world) if body else None
    fmt = "multipart" if payload and any(hasattr(v, "read") for v in payload.values()) else "json"
    if payload and "product" in payload and "customer_name" in payload:
        fmt = "multipart"

    response = call(world, role, method, path, payload, fmt)

    assert response.status_code == expected[role], response.content[:300]


def test_lists_show_only_own_rows_to_customers(world):
    own_orders = world["clients"]["owner"].get("/api/core/orders/").json()
    other_orders = world["clients"]["other"].get("/api/core/orders/").json()
    staff_deposits = world["clients"]["staff"].get("/api/core/deposits/").json()

    assert [o["id"] for o in own_orders["results"]] == [world["order"].pk]
    assert other_orders["count"] == 0
    assert [d["id"] for d in staff_deposits["results"]] == [world["deposit"].pk]
