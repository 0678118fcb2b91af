"""``migrate``, serialised across instances on PostgreSQL by an advisory lock.

Every Koyeb instance migrates before gunicorn; two at once on an empty database crash-loop one.
"""

from contextlib import contextmanager, suppress

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DatabaseError, connections

# Any 64-bit key the application uses for nothing else: "ulm-migr" in ASCII.
MIGRATE_LOCK_KEY = int.from_bytes(b"ulm-migr", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def advisory_lock(connection, key: int, *, on_wait=None):
    """Hold PostgreSQL's session advisory lock ``key`` on ``connection`` for the block."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            if on_wait is not None:
                on_wait()
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        # A lost connection has released the lock already.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " On PostgreSQL, one process at a time (an advisory lock)."

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)

        def say_waiting():
            self.stderr.write("Another process is migrating this database; waiting for it.")

        with advisory_lock(connection, MIGRATE_LOCK_KEY, on_wait=say_waiting):
            return super().handle(*args, **options)
