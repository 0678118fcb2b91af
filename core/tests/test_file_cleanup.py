"""Stored files follow their rows: what a committed change replaces or deletes is removed, what an
unsaved change or a partial save leaves in the database stays."""

import pytest
from django.core.files.storage import default_storage

from core.models import Product
from testsupport.files import image_file
from ultraminebackend.files.storage.naming import thumbnail_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(make_product):
    """A product loaded fresh from the database, and the name of its stored image."""
    product = make_product(image=image_file())
    name = product.image.name
    assert default_storage.exists(name) and default_storage.exists(thumbnail_name(name))
    return Product.objects.get(pk=product.pk), name


def exists(name: str) -> bool:
    return default_storage.exists(name) or default_storage.exists(thumbnail_name(name))


def test_assigning_a_new_upload_removes_the_old_file_after_commit(
    stored, django_capture_on_commit_callbacks
):
    product, old = stored

    with django_capture_on_commit_callbacks(execute=True):
        product.image = image_file()
        product.save()

    assert product.image.name != old
    assert default_storage.exists(product.image.name)
    assert not exists(old)


def test_saving_through_the_field_file_removes_the_old_file(
    stored, django_capture_on_commit_callbacks
):
    product, old = stored

    with django_capture_on_commit_callbacks(execute=True):
        product.image.save("new.jpg", image_file())

    assert not exists(old)
    assert default_storage.exists(product.image.name)


def test_clearing_the_field_removes_the_file(stored, django_capture_on_commit_callbacks):
    product, old = stored

    with django_capture_on_commit_callbacks(execute=True):
        product.image = None
        product.save()

    assert not exists(old)


def test_a_save_of_other_fields_keeps_the_file_the_row_still_holds(
    stored, django_capture_on_commit_callbacks
):
    # given: the image replaced in memory only, then a save of the name alone
    product, old = stored
    product.image = "products/elsewhere.jpg"

    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Renamed"
        product.save(update_fields=["name"])

    # then the database still names the old file, and the file is still there
    assert Product.objects.get(pk=product.pk).image.name == old
    assert exists(old)


def test_reading_and_saving_unchanged_keeps_the_file(stored, django_capture_on_commit_callbacks):
    product, old = stored

    with django_capture_on_commit_callbacks(execute=True):
        assert product.image.url
        product.save()

    assert exists(old)


def test_a_rolled_back_replacement_keeps_the_old_file(stored, django_capture_on_commit_callbacks):
    from django.db import transaction

    product, old = stored

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        product.image = image_file()
        product.save()
        raise RuntimeError("after the save")

    assert callbacks == []
    assert exists(old)


def test_replacing_twice_in_one_life_removes_each_replaced_file(
    stored, django_capture_on_commit_callbacks
):
    product, first = stored

    with django_capture_on_commit_callbacks(execute=True):
        product.image = image_file()
        product.save()
    second = product.image.name
    with django_capture_on_commit_callbacks(execute=True):
        product.image = image_file()
        product.save()

    assert not exists(first)
    assert not exists(second)
    assert default_storage.exists(product.image.name)


def test_a_deferred_image_loaded_later_is_still_followed(
    stored, django_capture_on_commit_callbacks
):
    _, old = stored
    product = Product.objects.defer("image").get()

    with django_capture_on_commit_callbacks(execute=True):
        product.image = image_file()
        product.save()

    assert not exists(old)


def test_a_listed_row_that_is_only_read_notes_no_change_and_deleting_it_removes_its_file(
    stored, django_capture_on_commit_callbacks
):
    _, name = stored
    (product,) = Product.objects.all()

    with django_capture_on_commit_callbacks(execute=True):
        product.delete()

    assert not exists(name)


def test_deleting_a_row_with_an_unsaved_replacement_removes_both_files(
    stored, django_capture_on_commit_callbacks
):
    product, old = stored
    product.image.save("new.jpg", image_file(), save=False)  # stored, row not updated
    new = product.image.name

    with django_capture_on_commit_callbacks(execute=True):
        product.delete()

    assert not exists(old)
    assert not exists(new)


def test_loading_a_deferred_image_costs_one_query_and_a_later_replacement_is_followed(
    stored, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _, old = stored
    product = Product.objects.defer("image").get()

    with django_assert_num_queries(1):
        assert product.image.name == old
    with django_capture_on_commit_callbacks(execute=True):
        product.image = image_file()
        product.save()

    assert not exists(old)
