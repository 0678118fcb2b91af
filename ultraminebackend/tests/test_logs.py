"""Structured logs: JSON lines that carry the request id, echoed in X-Request-ID."""

import io
import json
import logging

import pytest

from ultraminebackend.logs import JsonFormatter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.django_db


def test_response_carries_a_fresh_request_id(client):
    first = client.get("/api/health/")["X-Request-ID"]
    second = client.get("/api/health/")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/api/health/", HTTP_X_REQUEST_ID="edge-1234.abc")["X-Request-ID"]
    replaced = client.get("/api/health/", HTTP_X_REQUEST_ID='x"\n{"level":"CRITICAL"}')[
        "X-Request-ID"
    ]

    assert kept == "edge-1234.abc"
    assert "\n" not in replaced and len(replaced) == 32


def test_log_lines_are_json_with_the_request_id_and_extra_fields():
    record = logging.LogRecord("core", logging.INFO, __file__, 1, "deposit %s approved", (7,), None)
    record.deposit_id = 7
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)

    entry = json.loads(line)
    assert entry["message"] == "deposit 7 approved"
    assert entry["request_id"] == "req-42"
    assert entry["deposit_id"] == 7
    assert entry["level"] == "INFO"


def test_django_request_log_lines_carry_the_id(client):
    # given our handler setup on the logger Django uses for 4xx/5xx lines
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        # when a request ends in a 401 (logged after the middleware chain returned)
        response = client.get("/api/core/orders/", HTTP_X_REQUEST_ID="trace-me")
    finally:
        logger.removeHandler(handler)

    # then its log line carries the same id as the response header
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert response.status_code == 401
    assert lines and {line["request_id"] for line in lines} == {"trace-me"}
