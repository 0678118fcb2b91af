"""No row without its file, no file without its row.

Two halves:

* Files written during a write that then fails are deleted: ``files_atomic`` wraps a service in a
  transaction and remembers every file the managed fields stored inside it; if anything raises,
  those files go too (``delete_files_on_failure`` is the same without the transaction).
* Files a committed change no longer references (replaced or deleted rows) are deleted after the
  commit, by signal handlers wired in ``FilesConfig.ready()`` — infrastructure, not business rules.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import transaction

logger = logging.getLogger(__name__)

_written: ContextVar[list | None] = ContextVar("files_written", default=None)


def note_written(storage, names: list[str]) -> None:
    """Called by managed file fields after storing; only remembered inside ``files_atomic``."""
    pending = _written.get()
    if pending is not None:
        pending.extend((storage, name) for name in names)


def delete_quietly(storage, names: list[str]) -> None:
    """Delete stored names; a failure is logged, never raised (the row is already gone)."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete stored file %s", name, exc_info=True)


def delete_on_commit(storage, names: list[str]) -> None:
    """Delete once the surrounding transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: delete_quietly(storage, names))


@contextmanager
def delete_files_on_failure() -> Iterator[None]:
    """Files stored inside the block are deleted if it raises (the outermost block owns them).

    No transaction: services that store slow uploads first and write their rows afterwards use
    it around both, with a short ``transaction.atomic()`` for the rows alone.
    """
    if _written.get() is not None:  # nested: the outermost block owns the cleanup
        yield
        return
    token = _written.set([])
    try:
        yield
    except BaseException:
        for storage, name in _written.get():
            delete_quietly(storage, [name])
        raise
    finally:
        _written.reset(token)


@contextmanager
def files_atomic_block() -> Iterator[None]:
    """A transaction whose failure also deletes the files stored inside it (outermost block)."""
    with delete_files_on_failure(), transaction.atomic():
        yield


def files_atomic(func):
    """Decorator form of ``files_atomic_block`` for services."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with files_atomic_block():
            return func(*args, **kwargs)

    return wrapper


# --- Stale files after committed changes (signal handlers, connected in FilesConfig.ready) -------


def managed_fields(model) -> list:
    from .modelfields import MANAGED_FIELDS

    return [f for f in model._meta.concrete_fields if isinstance(f, MANAGED_FIELDS)]


def remember_stored_names(sender, instance, **kwargs) -> None:
    """post_init: note what each file field held when loaded, to spot replacements on save."""
    # Runs for every row a list loads: kept to one dict built from precomputed names.
    loaded = instance.__dict__
    instance._stored_file_names = {name: loaded.get(name) for name in sender._managed_attnames}


def delete_replaced_files(sender, instance, created, **kwargs) -> None:
    """post_save: a file field that now holds another name lets go of the old file."""
    before = getattr(instance, "_stored_file_names", {})
    for field in sender._managed_file_fields:
        if field.attname not in instance.__dict__:  # deferred and never loaded: untouched
            continue
        old, new = before.get(field.attname), getattr(instance, field.attname).name
        if old and old != new:
            delete_on_commit(field.storage, field.stored_names(str(old)))
    remember_stored_names(sender, instance)


def delete_files_of_deleted_row(sender, instance, **kwargs) -> None:
    """post_delete: the row is gone, so are its files (after commit)."""
    for field in sender._managed_file_fields:
        file = getattr(instance, field.attname)
        if file:
            delete_on_commit(field.storage, field.stored_names(file.name))


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_init, post_save

    for model in apps.get_models():
        fields = managed_fields(model)
        if not fields:
            continue
        model._managed_file_fields = fields
        model._managed_attnames = tuple(f.attname for f in fields)
        post_init.connect(remember_stored_names, sender=model, dispatch_uid=f"files-init-{model}")
        post_save.connect(delete_replaced_files, sender=model, dispatch_uid=f"files-save-{model}")
        post_delete.connect(
            delete_files_of_deleted_row, sender=model, dispatch_uid=f"files-delete-{model}"
        )
