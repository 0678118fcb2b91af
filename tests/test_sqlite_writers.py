"""Concurrent writers on the default SQLite database queue instead of failing (make run, benches).

SQLite's deferred transactions fail at once with "database is locked" when a transaction that
has read tries to write while another writes; the API turned that into 503s when a few users
generated images at once (bench/ai_overhead.py). Settings now begin SQLite transactions
IMMEDIATE, so writers queue for the lock; they wait up to SQLITE_BUSY_TIMEOUT_S (30 s), far above
the longest write transaction (no storage or provider call runs inside one). Python's default
5 s was reached on a loaded 2-core machine: 7 of 30 generations answered 503. Checked on a real
gunicorn with a real SQLite file.
"""

import json
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from tests.test_faults import fetch
from testsupport.liveserver import LiveServer, manage, production_env

CLIENTS, EACH = 10, 3


def test_ten_clients_generating_at_once_on_sqlite_all_succeed():
    with tempfile.TemporaryDirectory(prefix="sqlite-writers-") as tmp:
        env = production_env(Path(tmp), AI_DAILY_LIMIT="1000", AUTH_THROTTLE_RATE="1000/min")
        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from accounts.models import User; "
            "User.objects.create_user(email='w@example.com', password='pw-for-writers-1')",
        )
        with LiveServer(env, log_path=Path(tmp) / "gunicorn.log") as server:
            status, body = fetch(
                server,
                "/api/auth/token/",
                {"email": "w@example.com", "password": "pw-for-writers-1"},
            )
            assert status == 200, body
            headers = {"Authorization": f"Bearer {body['access']}"}
            statuses: list[int] = []
            barrier = threading.Barrier(CLIENTS)

            def client():
                barrier.wait()
                for _ in range(EACH):
                    statuses.append(
                        fetch(
                            server,
                            "/api/ai-agent/generate-image",
                            {"prompt": "a rig", "aspect_ratio": "1:1"},
                            headers,
                        )[0]
                    )

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)

    assert statuses == [201] * (CLIENTS * EACH), json.dumps(statuses)


def test_a_writer_waits_out_a_write_lock_held_longer_than_pythons_default():
    """A write lock held 6 s (above sqlite3's 5 s default) delays a registration; it never fails."""
    with tempfile.TemporaryDirectory(prefix="sqlite-busy-") as tmp:
        env = production_env(Path(tmp))
        manage(env, "migrate", "--noinput")
        with LiveServer(env, log_path=Path(tmp) / "gunicorn.log") as server:
            # given another connection holding the database's write lock
            holder = sqlite3.connect(Path(tmp) / "live.sqlite3", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            answers: list[tuple[int, dict]] = []
            body = {"email": "late@example.com", "password": "a long enough pass 1"}
            writer = threading.Thread(
                target=lambda: answers.append(fetch(server, "/api/auth/register/", body))
            )
            writer.start()
            # when the lock is released only after Python's default busy timeout has passed
            time.sleep(6)
            holder.execute("COMMIT")
            holder.close()
            writer.join(60)

    # then the registration waited for it and succeeded
    assert [status for status, _ in answers] == [201], answers
