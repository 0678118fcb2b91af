"""Brands through the API: own brands only, slugs unique per owner, posts outlive their brand."""

import pytest

from content.models import Brand, Post

pytestmark = pytest.mark.django_db

BRANDS = "/api/brands"


def test_create_with_a_slug_made_from_the_name(client_for, user):
    response = client_for(user).post(BRANDS, {"name": "Ultra Mine"}, format="json")

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["slug"]) == ("Ultra Mine", "ultra-mine")
    assert Brand.objects.get().owner == user


def test_slugs_are_unique_per_owner_only(client_for, user, other_user):
    client_for(user).post(BRANDS, {"name": "Acme"}, format="json")

    again = client_for(user).post(BRANDS, {"name": "Acme"}, format="json")
    elsewhere = client_for(other_user).post(BRANDS, {"name": "Acme"}, format="json")
    chosen = client_for(user).post(BRANDS, {"name": "Other", "slug": "acme"}, format="json")

    assert (again.status_code, again.json()["slug"]) == (201, "acme-2")
    assert (elsewhere.status_code, elsewhere.json()["slug"]) == (201, "acme")
    assert (chosen.status_code, chosen.json()) == (
        400,
        {"slug": ["You already have a brand with the slug 'acme'."]},
    )


def test_users_list_their_own_brands_and_staff_all(client_for, user, other_user, staff_user):
    Brand.objects.create(owner=user, name="Mine", slug="mine")
    Brand.objects.create(owner=other_user, name="Theirs", slug="theirs")

    def names(who):
        return [b["name"] for b in client_for(who).get(BRANDS).json()["results"]]

    assert names(user) == ["Mine"]
    assert names(staff_user) == ["Mine", "Theirs"]


def test_patch_renames_and_reslugs(client_for, user):
    brand = Brand.objects.create(owner=user, name="Old", slug="old")

    response = client_for(user).patch(
        f"{BRANDS}/{brand.pk}", {"name": "New", "slug": "new"}, format="json"
    )

    assert (response.status_code, response.json()["slug"]) == (200, "new")


def test_deleting_a_brand_keeps_its_posts(client_for, user):
    brand = Brand.objects.create(owner=user, name="Gone", slug="gone")
    post = Post.objects.create(user=user, brand=brand, caption="x")

    assert client_for(user).delete(f"{BRANDS}/{brand.pk}/").status_code == 204

    post.refresh_from_db()
    assert post.brand is None
