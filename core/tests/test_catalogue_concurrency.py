"""The catalogue under concurrent writers on PostgreSQL: slugs and the gallery's primary.

Creates of one name all find ``rig`` free before any commits; the unique index makes all but one
insert fail, and each loser takes the next free number (``ultraminebackend.slugs``) instead of a
500. Gallery edits queue on the product's row, so the first image stays the only primary.
"""

import random

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from core import services
from core.models import Category, Product, ProductImage
from testsupport.db import POSTGRES_ONLY, run_concurrently
from testsupport.files import image_file

pytestmark = POSTGRES_ONLY

N = 8


def post_concurrently(user, path, body, fmt="multipart") -> list[int]:
    token = str(RefreshToken.for_user(user).access_token)
    statuses = []

    def create(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        statuses.append(client.post(path, body, format=fmt).status_code)

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
    # Categories take no file: JSON only.
    statuses = post_concurrently(staff_user, "/api/core/categories/", {"name": "Parts"}, "json")

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


def test_concurrent_gallery_edits_keep_the_first_image_the_only_primary(product):
    for _ in range(4):
        services.product_image_add(product=product, image=image_file())

    def edit(i):
        chooser = random.Random(i)  # a reproducible mix of edits
        ids = list(ProductImage.objects.filter(product=product).values_list("pk", flat=True))
        kind = i % 4
        if kind == 0:
            chooser.shuffle(ids)
            services.product_images_reorder(product=product, ordered_ids=ids)
        elif kind == 1:
            image = ProductImage.objects.get(pk=chooser.choice(ids))
            services.product_image_update(gallery_image=image, is_primary=True)
        elif kind == 2:
            services.product_image_add(product=product, image=image_file(), is_primary=True)
        else:
            image = ProductImage.objects.get(pk=chooser.choice(ids))
            services.product_image_delete(gallery_image=image)

    outcomes = run_concurrently(12, edit)

    # A reorder naming an image deleted meanwhile is refused, and an edit of a deleted image
    # finds nothing; nothing else may fail.
    assert set(outcomes) <= {"ok", "ValidationError", "Http404", "DoesNotExist"}
    stored = ProductImage.objects.filter(product=product).order_by("position")
    rows = list(stored.values_list("position", "is_primary"))
    assert rows == [(position, position == 0) for position in range(len(rows))]
