"""Direct uploads as a browser makes them: announce, post the file to the answered URL, attach."""

from decimal import Decimal

import pytest
import requests

from core.models import Category, Product


@pytest.fixture
def product(db):
    category = Category.objects.create(name="Rigs", slug="rigs")
    return Product.objects.create(
        name="Rig", slug="rig", price=Decimal("250.00"), stock=100, category=category
    )


@pytest.fixture
def direct_upload(client_for):
    """``direct_upload(user, purpose, data, content_type=…, size=…)`` → the upload id.

    Announces the file through ``POST /api/uploads/`` and posts it to the answered URL as a
    browser does (``fields`` then ``file``): to moto over HTTP in S3 mode, to our URL locally.
    """

    def upload(user, purpose, data: bytes, *, content_type="image/png", size=None, expect=None):
        answer = announce(
            client_for(user), purpose, content_type, len(data) if size is None else size
        )
        status = post_file(answer, data, content_type)
        assert status == (expect or 204), status
        return answer["id"]

    return upload


def announce(client, purpose: str, content_type: str, size: int) -> dict:
    response = client.post(
        "/api/uploads/",
        {"purpose": purpose, "content_type": content_type, "size": size},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def post_file(answer: dict, data: bytes, content_type: str) -> int:
    """Post like a browser's FormData: every field of the answer, then the file, last."""
    url = answer["url"]
    files = {"file": ("photo", data, content_type)}
    if url.startswith("http://testserver/"):  # local mode: our own URL, through Django
        from rest_framework.test import APIClient

        body = {**answer["fields"], "file": _named(data, content_type)}
        return (
            APIClient()
            .post(url.removeprefix("http://testserver"), body, format="multipart")
            .status_code
        )
    return requests.post(url, data=answer["fields"], files=files, timeout=10).status_code


def _named(data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo", data, content_type=content_type)
