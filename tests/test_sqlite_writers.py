"""Concurrent writers on the default SQLite database queue instead of failing (make run, benches).

SQLite's deferred transactions fail at once with "database is locked" when a transaction that
has read tries to write while another writes; the API turned that into 503s when a few users
generated images at once (bench/ai_overhead.py). Settings now begin SQLite transactions
IMMEDIATE. Checked on a real gunicorn with a real SQLite file, 10 clients at once.
"""

import json
import tempfile
import threading
from pathlib import Path

from tests.test_faults import fetch
from ultraminebackend.liveserver import LiveServer, manage, production_env

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
