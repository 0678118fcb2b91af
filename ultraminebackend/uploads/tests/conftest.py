"""Direct uploads as a browser makes them: announce, post the file to the answered URL, attach."""

import base64
import json
from decimal import Decimal

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.models import Category, Product
from tests.openapi import assert_on_schema

LOCAL_HOST = "http://testserver"

# An order body the flows attach uploads to.
ORDER = {
    "customer_name": "Ann Buyer",
    "phone": "+15550100",
    "email": "ann@example.com",
    "shipping_address": "1 Mine Road",
    "quantity": 1,
    "payment_method": "cod",
}


@pytest.fixture
def product(db):
    category = Category.objects.create(name="Rigs", slug="rigs")
    return Product.objects.create(
        name="Rig", slug="rig", price=Decimal("250.00"), stock=100, category=category
    )


@pytest.fixture(params=["local", "s3"])
def mode(request):
    """Each flow twice: our own upload URL, and a real presigned POST to moto's S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param


@pytest.fixture
def stored(mode, settings, request):
    """``stored()`` → every object name in both storages (``media/…``, ``private/…``)."""

    def names() -> set[str]:
        if mode == "s3":
            client, bucket = request.getfixturevalue("s3")
            listing = client.list_objects_v2(Bucket=bucket)
            return {item["Key"] for item in listing.get("Contents", [])}
        found = set()
        for prefix, root in (
            ("media", settings.MEDIA_ROOT),
            ("private", settings.PRIVATE_MEDIA_ROOT),
        ):
            if root.exists():
                found |= {f"{prefix}/{p.relative_to(root)}" for p in root.rglob("*") if p.is_file()}
        return found

    return names


@pytest.fixture
def direct_upload(client_for):
    """``direct_upload(user, purpose, data, content_type=…, size=…)`` → the upload id.

    Announces the file through ``POST /api/uploads/`` and posts it to the answered URL as a
    browser does (``fields`` then ``file``): to moto over HTTP in S3 mode, to our URL locally.
    """

    def upload(user, purpose, data: bytes, *, content_type="image/png", size=None, expect=204):
        answer = announce(
            client_for(user), purpose, content_type, len(data) if size is None else size
        )
        status = post_file(answer, data, content_type)
        assert status == expect, status
        return answer["id"]

    return upload


def announce(client, purpose: str, content_type: str, size: int) -> dict:
    response = client.post(
        "/api/uploads/",
        {"purpose": purpose, "content_type": content_type, "size": size},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert_on_schema(response)
    return response.json()


def post_file(answer: dict, data: bytes, content_type: str, fields: dict | None = None):
    """Post like a browser's FormData: every field of the answer, then the file, last."""
    url, fields = answer["url"], fields or answer["fields"]
    if url.startswith(LOCAL_HOST):  # local mode: our own URL, through Django
        body = {**fields, "file": SimpleUploadedFile("photo", data, content_type=content_type)}
        return APIClient().post(url.removeprefix(LOCAL_HOST), body, format="multipart").status_code
    files = {"file": ("photo", data, content_type)}
    return requests.post(url, data=fields, files=files, timeout=10).status_code


def policy_conditions(answer: dict) -> list:
    """The conditions of an S3 presigned POST's policy document."""
    return json.loads(base64.b64decode(answer["fields"]["policy"]))["conditions"]
