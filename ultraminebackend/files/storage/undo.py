"""One undo scope for what a write stores before its transaction: files and CDN assets.

Services store first, inside ``undo_on_failure()``, then write rows in a short atomic block."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

logger = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("undo_pending", default=None)


def on_undo(action: Callable[[], None]) -> None:
    """Remember how to remove something just stored; nothing happens outside ``undo_on_failure``."""
    pending = _pending.get()
    if pending is not None:
        pending.append(action)


def keep_on_commit(using: str | None = None) -> None:
    """What this scope stored so far is kept once the current transaction commits.

    Call it inside the ``transaction.atomic()`` that writes the rows referencing it: an error
    between that commit and the end of the scope (a worker told to stop) must not remove what a
    committed row now references. A rollback keeps the undo armed.
    """
    pending = _pending.get()
    if pending is None:
        return
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("keep_on_commit() belongs inside the rows' transaction.atomic().")
    transaction.on_commit(pending.clear, using=using)


@contextmanager
def undo_on_failure() -> Iterator[None]:
    """If the block raises, run the undo actions registered inside it, in order, then re-raise.

    Open it outside ``transaction.atomic()``: the rows' transaction has then rolled back before
    the files go. Nested blocks join the outermost one, which owns the actions. An action that
    fails is logged; the original error is what propagates.
    """
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
    except BaseException:
        for action in _pending.get():
            try:
                action()
            except Exception:
                logger.warning("could not undo a stored write", exc_info=True)
        raise
    finally:
        _pending.reset(token)
