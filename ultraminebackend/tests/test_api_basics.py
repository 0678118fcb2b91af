"""API basics: OpenAPI schema and docs, health, the cheap liveness probe, pagination settings."""

import pytest
from django.db import connection

from testsupport.files import s3_storages

pytestmark = pytest.mark.django_db


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/auth/register/" in schema.content
    assert docs.status_code == 200


def test_health_reports_every_dependency_ok(client):
    response = client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok", "cache": "ok"}


def test_health_is_503_naming_the_storage_when_the_endpoint_is_down(client, settings):
    # A port nothing listens on: connections are refused at once.
    settings.STORAGES = s3_storages(endpoint_url="http://127.0.0.1:9", bucket="down")

    response = client.get("/api/health/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "storage": "error",
        "cache": "ok",
    }


def test_health_is_503_naming_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_answers_before_host_validation(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert client.get("/api/health/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.usefixtures("s3")
def test_health_is_ok_on_s3(client):
    assert client.get("/api/health/").json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "cache": "ok",
    }


def test_health_names_storage_when_the_bucket_is_missing(client, settings, moto_endpoint):
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket="no-such-bucket")

    response = client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["storage"] == "error"


def test_health_answers_within_its_timeout_when_s3_hangs(client, settings):
    # given an "S3" that accepts connections and never answers
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    settings.STORAGES = s3_storages(endpoint_url=f"http://127.0.0.1:{port}", bucket="hangs")

    # when
    started = time.monotonic()
    try:
        response = client.get("/api/health/")
    finally:
        listener.close()

    # then
    assert response.status_code == 503
    assert time.monotonic() - started < 6
