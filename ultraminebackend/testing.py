"""Test helpers for concurrency on PostgreSQL with real threads, shared by every app's tests."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

# Module marks for tests that need real row locks and concurrent writers.
POSTGRES_ONLY = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent writers need PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]


def run_concurrently(n: int, fn) -> list[str]:
    """Start ``n`` threads at the same moment; each returns "ok" or its exception's class name.

    Every thread closes its own database connections, so the test database can be dropped.
    """
    barrier = threading.Barrier(n)

    def worker(i):
        barrier.wait()
        try:
            fn(i)
            return "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test counts
            return type(exc).__name__
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(worker, range(n)))
