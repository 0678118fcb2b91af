"""The one undo scope of writes that store before their transaction (``files/storage/undo.py``)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from ultraminebackend.files.storage.undo import keep_on_commit, on_undo, undo_on_failure

pytestmark = pytest.mark.django_db(transaction=True)


def store(name: str) -> str:
    stored = default_storage.save(name, ContentFile(b"x"))
    on_undo(lambda: default_storage.delete(stored))
    return stored


def test_a_failing_block_undoes_every_store_in_order_nested_blocks_included():
    undone = []
    with pytest.raises(RuntimeError, match="later"), undo_on_failure():
        first = store("a.txt")
        on_undo(lambda: undone.append("first"))
        with undo_on_failure():  # joins the outer block: its stores are undone with the rest
            second = store("b.txt")
            on_undo(lambda: undone.append("second"))
        raise RuntimeError("a later step failed")

    assert undone == ["first", "second"]
    assert not default_storage.exists(first) and not default_storage.exists(second)


def test_a_nested_block_that_succeeds_is_still_undone_when_the_outer_one_fails():
    with pytest.raises(RuntimeError), undo_on_failure():
        with undo_on_failure():
            stored = store("c.txt")
        assert default_storage.exists(stored)
        raise RuntimeError("after the inner block")

    assert not default_storage.exists(stored)


def test_a_successful_block_keeps_what_it_stored_and_outside_a_block_nothing_is_remembered():
    with undo_on_failure():
        kept = store("d.txt")
    outside = store("e.txt")
    with pytest.raises(RuntimeError), undo_on_failure():
        raise RuntimeError("nothing of this block's")

    assert default_storage.exists(kept) and default_storage.exists(outside)


def test_the_undo_runs_after_the_rows_transaction_rolled_back():
    seen = []
    with pytest.raises(RuntimeError), undo_on_failure():
        on_undo(lambda: seen.append(get_user_model().objects.exists()))
        with transaction.atomic():
            get_user_model().objects.create_user(email="u@example.com", password="pw-long-1")
            raise RuntimeError("the rows failed")

    assert seen == [False]


def test_an_undo_that_fails_is_logged_and_the_original_error_propagates(caplog):
    def broken():
        raise OSError("storage down")

    with pytest.raises(RuntimeError, match="original"), undo_on_failure():
        on_undo(broken)
        stored = store("f.txt")
        raise RuntimeError("original")

    assert "could not undo a stored write" in caplog.text
    assert not default_storage.exists(stored)  # the next undo still ran


def test_what_a_committed_transaction_references_is_kept_whatever_fails_after_the_commit():
    with pytest.raises(RuntimeError, match="after the commit"), undo_on_failure():
        kept = store("g.txt")
        with transaction.atomic():
            keep_on_commit()
            get_user_model().objects.create_user(email="k@example.com", password="pw-long-1")
        raise RuntimeError("after the commit (a worker told to stop)")

    assert default_storage.exists(kept)


def test_a_rolled_back_transaction_keeps_the_undo_armed():
    with pytest.raises(RuntimeError, match="rows failed"), undo_on_failure():
        stored = store("h.txt")
        with transaction.atomic():
            keep_on_commit()
            raise RuntimeError("the rows failed")

    assert not default_storage.exists(stored)


def test_keep_on_commit_outside_the_rows_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside the rows"), undo_on_failure():
        keep_on_commit()
