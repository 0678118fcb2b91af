"""CORS as a browser on another origin meets it: what it may call, and which headers it may read.

The defaults depend on DEBUG, read once at start-up, so they are checked in a fresh process (no
``.env``) that asks the real middleware stack, as ``make run`` and production would answer.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
VITE = ["http://localhost:5173", "http://127.0.0.1:5173"]
ELSEWHERE = "https://evil.example.com"
APP = "https://app.example.com"

# Asks the stack for an unknown /api/ route (a JSON 404, no database needed) from each origin.
PROBE = """
import json
from django.test import Client
answers = {}
for origin in ORIGINS:
    response = Client(HTTP_HOST="localhost").get("/api/nothing/", HTTP_ORIGIN=origin)
    answers[origin] = response.headers.get("Access-Control-Allow-Origin")
print(json.dumps(answers))
"""


def allowed_origins(**environ: str) -> set[str]:
    """The origins a fresh process (no .env) lets read its answers, out of a fixed set."""
    clean = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    probe = PROBE.replace("ORIGINS", repr([*VITE, ELSEWHERE, APP]))
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=BASE_DIR,
        env={**clean, "DOTENV_PATH": os.devnull, "LOG_LEVEL": "ERROR", **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    return {origin for origin, allowed in answers.items() if allowed == origin}


def test_development_allows_a_vite_dev_server_by_default():
    assert allowed_origins(DEBUG="1") == set(VITE)


def test_production_allows_no_origin_by_default():
    assert allowed_origins(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50)) == set()


def test_production_allows_the_origins_it_is_given():
    assert allowed_origins(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), CORS_ALLOWED_ORIGINS=APP
    ) == {APP}


def test_an_explicit_setting_replaces_the_development_default():
    assert allowed_origins(DEBUG="1", CORS_ALLOWED_ORIGINS=APP) == {APP}
    assert allowed_origins(DEBUG="1", CORS_ALLOWED_ORIGINS="") == set()


@pytest.fixture
def app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    return APP


def exposed(response) -> set[str]:
    header = response.headers.get("Access-Control-Expose-Headers", "")
    return {name.strip().lower() for name in header.split(",") if name.strip()}


@pytest.mark.django_db
def test_a_throttled_sign_in_lets_the_page_read_retry_after_and_the_request_id(
    api_client, app_origin
):
    # given more sign-in attempts from one address than AUTH_THROTTLE_RATE (10/min) allows
    body = {"email": "nobody@example.com", "password": "wrong password 1"}
    for _ in range(10):
        api_client.post("/api/auth/token/", body, format="json", HTTP_ORIGIN=app_origin)

    response = api_client.post("/api/auth/token/", body, format="json", HTTP_ORIGIN=app_origin)

    # then the 429 carries Retry-After and the browser is allowed to show both headers to the page
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Access-Control-Allow-Origin"] == app_origin
    assert {"retry-after", "x-request-id"} <= exposed(response)


def test_a_preflight_lets_the_page_send_its_own_request_id(client, app_origin):
    response = client.options(
        "/api/core/orders/",
        HTTP_ORIGIN=app_origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, x-request-id",
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == app_origin
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-request-id"} <= allowed


def test_another_origin_gets_no_cors_headers(client, app_origin):
    response = client.get("/api/nothing/", HTTP_ORIGIN=ELSEWHERE)

    assert "Access-Control-Allow-Origin" not in response.headers
