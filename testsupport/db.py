"""Test helpers shared by every app's tests: concurrency on PostgreSQL with real threads,
migrating the test database to a given state, and counting a request's queries."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

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


def migrate_to(targets):
    """Migrate the test database to ``targets`` (``[(app, migration)]``); answers the apps then.

    ``targets=None`` migrates every app back to its latest migration (for a ``finally``).
    """
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # the plan is computed from what is applied now
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def queries_for(client, path: str) -> int:
    """The queries a ``GET`` of ``path`` costs (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise AssertionError(f"GET {path} answered {response.status_code}")
    return len(captured)
