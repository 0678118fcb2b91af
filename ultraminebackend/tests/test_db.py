"""Connection helpers: a pooled connection goes back to the pool before a slow call."""

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper

from ultraminebackend.db import release_pooled_connection

pytestmark = pytest.mark.django_db


def test_without_a_pool_the_threads_connection_is_kept():
    connection.ensure_connection()

    assert release_pooled_connection() is False
    assert connection.connection is not None


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Django's pool is PostgreSQL's")
def test_a_pooled_connection_goes_back_to_the_pool_and_comes_again():
    settings = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}},
    }
    pooled = DatabaseWrapper(settings, alias="pooled")
    connections["pooled"] = pooled
    try:
        with pooled.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert pooled.pool.get_stats()["pool_available"] == 0  # lent to this thread

        assert release_pooled_connection("pooled") is True
        assert pooled.connection is None
        assert pooled.pool.get_stats()["pool_available"] == 1  # back, for another thread
        with pooled.cursor() as cursor:  # the next query takes one again
            cursor.execute("SELECT 1")
    finally:
        pooled.close()
        pooled.close_pool()
        del connections["pooled"]
