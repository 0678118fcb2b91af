"""The README's first command, as a newcomer runs it: ``make run`` serves the API and runs tasks.

Stopped by Ctrl-C, it must leave no process behind; see docs/ci.md.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.liveserver import free_port, pids_where, wait_until_up  # noqa: E402

START_TIMEOUT_S = 180  # includes `make install` when requirements changed
NEWCOMER = {"email": "newcomer@example.com", "password": "a long enough pass 1"}
TASK_TIMEOUT_S = 60
# The worker's publishing sweep runs this often here (default 15 s), so the check is quick.
PUBLISH_INTERVAL_S = 2
STOP_TIMEOUT_S = 20


def expect(condition: bool, what) -> None:
    if not condition:
        raise SystemExit(f"make run smoke check failed: {what}")


def call(port: int, method: str, path: str, body=None, token: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def publish_scheduled_post(port: int, token: str) -> None:
    """A post scheduled 3 s ahead is published by the worker beside the server."""
    when = datetime.now(UTC) + timedelta(seconds=3)
    body = {"caption": "launch", "status": "scheduled", "scheduled_at": when.isoformat()}
    status, post = call(port, "POST", "/api/posts/", body, token)
    expect(status == 201, (status, post))
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while post["status"] == "scheduled":
        expect(time.monotonic() < deadline, "the task worker never published the post")
        time.sleep(0.5)
        _, post = call(port, "GET", f"/api/posts/{post['id']}/", token=token)
    expect(post["status"] == "published" and post["published_at"], post)
    print(f"make run: the worker published scheduled post {post['id']} at {post['published_at']}")


def main() -> int:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="make-run-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'smoke.sqlite3'}"
        env = {
            **os.environ,
            "DOTENV_PATH": os.devnull,
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(Path(tmp) / "media"),
            "PRIVATE_MEDIA_ROOT": str(Path(tmp) / "private_media"),
            "POST_PUBLISH_INTERVAL_S": str(PUBLISH_INTERVAL_S),
        }
        for name in ("DEBUG", "SECRET_KEY", "USE_S3", "CLOUDINARY_URL", "GEMINI_API_KEY"):
            env.pop(name, None)  # the embedded default, as on a fresh machine
        log_path = Path(tmp) / "make-run.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(  # noqa: S603
                ["make", "run", f"PORT={port}"],  # noqa: S607
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal gives it
            )
            try:
                wait_until_up(server, port, "/api/health/", START_TIMEOUT_S)
                status, _ = call(port, "POST", "/api/auth/register/", NEWCOMER)
                expect(status == 201, status)
                status, tokens = call(port, "POST", "/api/auth/token/", NEWCOMER)
                expect(status == 200, status)
                status, generation = call(
                    port,
                    "POST",
                    "/api/ai-agent/generate-image",
                    {"prompt": "a mining rig at sunrise", "async": True},
                    tokens["access"],
                )
                expect(status == 202, (status, generation))
                deadline = time.monotonic() + TASK_TIMEOUT_S
                while generation["status"] in ("pending", "running"):
                    expect(time.monotonic() < deadline, "the task worker never ran the generation")
                    time.sleep(0.5)
                    _, generation = call(
                        port,
                        "GET",
                        f"/api/ai-agent/generations/{generation['id']}/",
                        token=tokens["access"],
                    )
                expect(generation["status"] == "succeeded", generation)
                print(f"make run: served, and the worker ran generation {generation['id']}")
                publish_scheduled_post(port, tokens["access"])
            except BaseException:
                print(log_path.read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                os.killpg(server.pid, signal.SIGINT)  # Ctrl-C
                try:
                    server.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    raise SystemExit("make run did not stop on Ctrl-C") from None
        deadline = time.monotonic() + STOP_TIMEOUT_S
        marker = database_url.encode()  # in the environment of every process make run started

        def started_here(entry: Path) -> bool:
            return marker in (entry / "environ").read_bytes()

        while (left := pids_where(started_here)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"processes left after Ctrl-C: {left}")
    print("make run: stopped cleanly, no worker left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
