"""Slugs from names: numbered when taken, cut to fit, a fallback, races settled by the index."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from content.models import Brand
from content.services import BRAND_SLUGS
from core.models import Category, Product
from core.services import CATEGORY_SLUGS
from ultraminebackend.slugs import BATCH, numbered, unique_slug

pytestmark = pytest.mark.django_db

CATEGORIES = Category.objects.all()


def category(slug: str) -> Category:
    return Category.objects.create(name=slug, slug=slug)


def made(text: str, *, max_length: int = 140, fallback: str = "category") -> str:
    return unique_slug(CATEGORIES, text, fallback=fallback, max_length=max_length)


def test_made_from_the_name_then_numbered_from_two():
    assert made("Antminer S21") == "antminer-s21"
    category("antminer-s21")
    assert made("Antminer S21") == "antminer-s21-2"
    category("antminer-s21-2")
    assert made("Antminer  s21!") == "antminer-s21-3"


def test_a_gap_is_filled_and_a_row_may_keep_its_own_slug():
    for slug in ("rigs", "rigs-3"):
        category(slug)
    own = category("parts")

    assert made("Rigs") == "rigs-2"
    assert unique_slug(CATEGORIES, "Parts", fallback="c", max_length=140, exclude_pk=own.pk) == (
        "parts"
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Café", "cafe"), ("Ünïcödé Rig", "unicode-rig"), ("日本", "category"), ("!!!", "category")],
)
def test_unicode_names_give_a_usable_slug(name, slug):
    assert made(name) == slug


def test_the_fallback_is_numbered_too():
    category("category")

    assert made("日本") == "category-2"


def test_numbered_slugs_fit_the_column():
    long_name = "x" * 300

    first = made(long_name, max_length=10)
    category(first)
    second = made(long_name, max_length=10)

    assert (first, second) == ("x" * 10, "x" * 8 + "-2")


def test_numbering_goes_past_one_batch_of_candidates():
    category("rig")
    Category.objects.bulk_create(Category(name="rig", slug=f"rig-{n}") for n in range(2, BATCH + 3))

    assert made("rig") == f"rig-{BATCH + 3}"


def test_numbered_cuts_the_base_not_the_number():
    assert numbered("abcdefghij", 1, max_length=10) == "abcdefghij"
    assert numbered("abcdefghij", 12, max_length=10) == "abcdefg-12"
    assert numbered("abcdef-hij", 12, max_length=10) == "abcdef-12"  # not "abcdef--12"


# --- SlugRule: checks first, the unique index decides ---------------------------------------


def test_a_given_slug_that_is_taken_is_a_400_naming_slug():
    category("rigs")
    new = Category(name="Rigs")

    with pytest.raises(ValidationError) as refused:
        CATEGORY_SLUGS.assign(new, "rigs")

    assert refused.value.message_dict == {"slug": ["A category with the slug 'rigs' exists."]}


def test_a_made_slug_taken_meanwhile_is_renumbered_by_the_index():
    # given: the slug was free when it was picked...
    new = Category(name="Rigs")
    CATEGORY_SLUGS.assign(new, "")
    assert new.slug == "rigs"
    # ...and another request inserted it before this one saved
    category("rigs")

    # when
    CATEGORY_SLUGS.save(new, chosen=False)

    # then
    assert Category.objects.get(pk=new.pk).slug == "rigs-2"


def test_a_chosen_slug_taken_meanwhile_is_a_400_and_nothing_is_stored():
    new = Category(name="Rigs")
    CATEGORY_SLUGS.assign(new, "rigs")
    category("rigs")

    with pytest.raises(ValidationError) as refused:
        CATEGORY_SLUGS.save(new, chosen=True)

    assert refused.value.message_dict == {"slug": ["A category with the slug 'rigs' exists."]}
    assert Category.objects.filter(name="Rigs").count() == 0


def test_another_constraint_failing_is_not_answered_as_a_slug():
    rigs = category("rigs")
    product = Product(name="Negative", slug="neg", price="-1.00", category=rigs)

    with pytest.raises(IntegrityError):
        CATEGORY_SLUGS.save(product, chosen=False)  # the price CHECK fails, not the slug


def test_brand_slugs_are_unique_per_owner(user, other_user):
    Brand.objects.create(owner=user, name="Acme", slug="acme")
    mine, theirs = Brand(owner=user, name="Acme"), Brand(owner=other_user, name="Acme")

    BRAND_SLUGS.assign(mine)
    BRAND_SLUGS.assign(theirs)

    assert (mine.slug, theirs.slug) == ("acme-2", "acme")
