"""Database connection helpers."""

from django.db import DEFAULT_DB_ALIAS, connections


def release_pooled_connection(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Give a pooled connection back before a slow call that needs none (True when given back).

    With the pool (``DB_POOL_MAX_SIZE``) a request holds its connection from its first query to
    its end; a synchronous generation would hold one of the process's few connections through
    the provider's whole answer, starving every other thread of the process. The next query
    takes one from the pool again. Without a pool (each thread keeps its own) nothing changes,
    and nothing is released inside a transaction.
    """
    connection = connections[alias]
    if getattr(connection, "pool", None) is None or connection.in_atomic_block:
        return False
    connection.close()
    return True
