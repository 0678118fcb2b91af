"""Liveness under saturation: ``/healthz`` answers while every gunicorn thread is busy.

A real gunicorn (production config, one worker with two threads) whose two threads are held by
synchronous AI generations the fake Gemini never answers; the probe must still be answered at
once, while an ordinary request waits its turn.
"""

import http.client
import json
import tempfile
import threading
import time
from pathlib import Path

import pytest

from testsupport.fakes import FakeGeminiServer
from testsupport.liveserver import LiveServer, manage, production_env

HANG_S = 6
PROBE_BOUND_S = 2


def request(port, method, path, body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("worker_class", "answered"),
    [("ultraminebackend.gworker.ProbeAnsweringThreadWorker", True), ("gthread", False)],
    ids=["ours", "plain-gthread"],
)
def test_healthz_answers_while_every_thread_is_busy(worker_class, answered):
    with tempfile.TemporaryDirectory() as tmp, FakeGeminiServer() as gemini:
        env = production_env(
            Path(tmp),
            AI_IMAGE_PROVIDER="gemini",
            GEMINI_API_KEY=gemini.api_key,
            GEMINI_BASE_URL=gemini.url,
            AI_TIMEOUT_S=str(HANG_S + 5),
            GUNICORN_WORKER_CLASS=worker_class,
            DJANGO_SUPERUSER_EMAIL="busy@example.com",
            DJANGO_SUPERUSER_PASSWORD="a long enough pass 1",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "createsuperuser", "--noinput")
        with LiveServer(env, log_path=Path(tmp) / "gunicorn.log", workers=1, threads=2) as server:
            body = json.dumps({"email": "busy@example.com", "password": "a long enough pass 1"})
            token = json.loads(
                request(
                    server.port,
                    "POST",
                    "/api/auth/token/",
                    body,
                    {"Content-Type": "application/json"},
                )[1]
            )["access"]
            # given both threads held by generations the provider does not answer for HANG_S
            gemini.enqueue(gemini.hang(HANG_S), gemini.hang(HANG_S))
            generate = json.dumps({"prompt": "a rig"})
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            busy = [
                threading.Thread(
                    target=request,
                    args=(server.port, "POST", "/api/ai-agent/generate-image", generate, headers),
                    daemon=True,
                )
                for _ in range(2)
            ]
            for thread in busy:
                thread.start()
            deadline = time.monotonic() + 30
            while len(gemini.generate_requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(gemini.generate_requests) == 2, server.log_tail()

            # when the platform probes
            started = time.monotonic()
            try:
                status = request(server.port, "GET", "/healthz", timeout=PROBE_BOUND_S)[0]
            except TimeoutError:
                status = None
            took = time.monotonic() - started
            for thread in busy:
                thread.join(HANG_S + 10)

    # then it is answered at once with ours; plain gthread makes it wait for a thread
    assert (status == 200 and took < PROBE_BOUND_S) is answered, (status, took)
