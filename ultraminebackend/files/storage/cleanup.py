"""No file without its row: files a committed change no longer references are deleted after the
commit (handlers connected by ``modelfields.connect_signals``; design: docs/file-cleanup.md)."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


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


# --- Stale files after committed changes (signal handlers, connected in FilesConfig.ready) -------


# The database name a file field held before its first change since the row was loaded or saved,
# per attname. The managed fields' descriptor notes it (``note_stored_name``); post_save compares.
STORED_NAMES_ATTR = "_stored_file_names"


def note_stored_name(instance, attname: str, name) -> None:
    """Remember ``name`` as what the row holds for ``attname``, unless a name is noted already.

    Called by the managed fields' descriptor when a loaded field is first read as a file or
    first replaced, so rows a list only reads cost one dict entry and no signal.
    """
    if instance._state.adding or not name:
        return  # a row not saved yet holds no stored file to let go of
    names = instance.__dict__.get(STORED_NAMES_ATTR)
    if names is None:
        names = instance.__dict__[STORED_NAMES_ATTR] = {}
    names.setdefault(attname, name)


def delete_replaced_files(sender, instance, created, update_fields=None, **kwargs) -> None:
    """post_save: a file field that now holds another name lets go of the old file."""
    before = instance.__dict__.get(STORED_NAMES_ATTR)
    if not before:
        return
    for field in sender._managed_file_fields:
        old = before.get(field.attname)
        if old is None or (update_fields is not None and field.name not in update_fields):
            continue  # untouched, or changed in memory but not written by this save
        del before[field.attname]
        new = getattr(instance, field.attname).name
        if old != new:
            delete_on_commit(field.storage, field.stored_names(str(old)))


def delete_files_of_deleted_row(sender, instance, **kwargs) -> None:
    """post_delete: the row is gone, so are its files (after commit): the one it held in the
    database and, when it differs, the one the instance had stored for it since."""
    stored = instance.__dict__.get(STORED_NAMES_ATTR) or {}
    for field in sender._managed_file_fields:
        file = getattr(instance, field.attname)
        names = {stored.get(field.attname), file.name if file else None} - {None, ""}
        for name in sorted(names):
            delete_on_commit(field.storage, field.stored_names(str(name)))
