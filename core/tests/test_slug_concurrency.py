"""Concurrent creates of one name on PostgreSQL: every request is answered 201, slugs numbered.

All of them find ``rig`` free before any commits; the unique index makes all but one insert fail,
and each loser takes the next free number (``ultraminebackend.slugs``) instead of a 500.
"""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from core.models import Category, Product
from ultraminebackend.testing import POSTGRES_ONLY, run_concurrently

pytestmark = POSTGRES_ONLY

N = 8


def post_concurrently(user, path, body) -> list[int]:
    token = str(RefreshToken.for_user(user).access_token)
    statuses = []

    def create(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        statuses.append(client.post(path, body, format="multipart").status_code)

    assert run_concurrently(N, create) == ["ok"] * N
    return statuses


def test_concurrent_products_of_one_name_are_all_created_and_numbered(staff_user, category):
    statuses = post_concurrently(
        staff_user,
        "/api/core/products/",
        {"name": "Rig", "price": "1.00", "category": category.pk},
    )

    assert statuses == [201] * N
    assert sorted(Product.objects.values_list("slug", flat=True)) == sorted(
        ["rig", *(f"rig-{n}" for n in range(2, N + 1))]
    )


def test_concurrent_categories_of_one_name_are_all_created_and_numbered(staff_user):
    statuses = post_concurrently(staff_user, "/api/core/categories/", {"name": "Parts"})

    assert statuses == [201] * N
    assert Category.objects.filter(slug__startswith="parts").count() == N


def test_concurrent_creates_of_one_chosen_slug_give_one_201_and_400s(staff_user, category):
    statuses = post_concurrently(
        staff_user,
        "/api/core/products/",
        {"name": "Rig", "slug": "rig", "price": "1.00", "category": category.pk},
    )

    assert sorted(statuses) == [201] + [400] * (N - 1)
    assert Product.objects.count() == 1
