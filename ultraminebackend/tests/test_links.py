"""The URL builder: absolute public URLs in local mode, behind a proxy, with SITE_URL, and on S3."""

import copy
import urllib.error
import urllib.request

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import models
from django.db.models.fields.files import FieldFile
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from testsupport.files import image_bytes
from ultraminebackend.files.storage.backends import private_storage
from ultraminebackend.files.storage.fields import FileUrlField

public_field = models.FileField(name="image")
private_field = models.FileField(name="proof", storage=private_storage)


class Holder:
    def __init__(self, image=None, proof=None):
        self.image = FieldFile(self, public_field, image)
        self.proof = FieldFile(self, private_field, proof)


class HolderSerializer(serializers.Serializer):
    image_url = FileUrlField(source="image")
    proof_url = FileUrlField(source="proof")


def render(holder, **headers):
    request = APIRequestFactory().get("/anything", **headers)
    return HolderSerializer(holder, context={"request": request}).data


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - test URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_local_public_url_is_absolute_from_the_request(client):
    name = default_storage.save("orders/a1.jpg", ContentFile(image_bytes()))

    data = render(Holder(image=name))

    assert data["image_url"] == f"http://testserver/media/{name}"
    assert client.get(f"/media/{name}").status_code == 200


def test_proxy_headers_make_https_urls_with_the_forwarded_host(settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]

    data = render(
        Holder(image="orders/a1.jpg"),
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="api.example.com",
    )

    assert data["image_url"] == "https://api.example.com/media/orders/a1.jpg"


def test_site_url_overrides_the_request_host(settings):
    settings.SITE_URL = "https://cdn.ultramine.example"

    data = render(Holder(image="orders/a1.jpg"))

    assert data["image_url"] == "https://cdn.ultramine.example/media/orders/a1.jpg"


def test_empty_file_fields_render_as_null():
    assert render(Holder()) == {"image_url": None, "proof_url": None}


def test_private_local_url_is_signed_and_absolute():
    name = private_storage().save("txid_proofs/p.jpg", ContentFile(b"evidence"))

    url = render(Holder(proof=name))["proof_url"]

    assert url.startswith(f"http://testserver/files/private/{name}?expires=")
    assert "signature=" in url


@pytest.mark.usefixtures("s3")
def test_s3_public_url_is_fetchable_and_private_needs_its_presigned_url(moto_endpoint):
    # given
    payload = image_bytes()
    public_name = default_storage.save("orders/s3.jpg", ContentFile(payload))
    private_name = private_storage().save("txid_proofs/s3.jpg", ContentFile(b"evidence"))

    # when
    data = render(Holder(image=public_name, proof=private_name))

    # then the public URL is plain, unsigned and loads with an ordinary GET
    assert data["image_url"].startswith(moto_endpoint)
    assert "?" not in data["image_url"]
    assert fetch(data["image_url"]) == (200, payload)
    # and the private object loads only through its presigned URL
    assert "X-Amz-Signature=" in data["proof_url"]
    assert fetch(data["proof_url"]) == (200, b"evidence")
    unsigned = data["proof_url"].split("?")[0]
    assert fetch(unsigned)[0] == 403


@pytest.mark.usefixtures("s3")
@pytest.mark.parametrize("location", ["media", "media/a b", "media/v~2"])  # public: media/*
@pytest.mark.parametrize(
    "name",
    [
        "orders/with space.jpg",
        "orders/ünï~cøde!(1)*'.png",  # characters botocore escapes and Django's quoting keeps
        "-x_~y.thumb.webp",
        ".hidden.jpg",
        "a/b+c%.webp",
    ],
)
def test_s3_public_urls_of_odd_names_load_their_object(location, name):
    storage = copy.copy(storages["default"])  # the shared one keeps its location
    storage.location = location
    stored = storage.save(name, ContentFile(b"odd " + name.encode()))

    url = storage.url(stored)

    assert "?" not in url and "X-Amz" not in url
    assert fetch(url) == (200, b"odd " + name.encode())


@pytest.mark.usefixtures("s3")
def test_s3_public_urls_start_with_the_bucket_endpoint_the_presigner_names():
    storage = storages["default"]
    presigned = storage.unsigned_connection.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": storage.bucket_name, "Key": "media/orders/a b.jpg"}
    )

    assert storage.url("orders/a b.jpg") == presigned


@pytest.mark.usefixtures("s3")
def test_s3_custom_domain_is_used_for_public_urls_only(settings):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "custom_domain": "cdn.example.com"},
        },
    }

    data = render(Holder(image="orders/x.jpg", proof="txid_proofs/y.jpg"))

    assert data["image_url"] == "https://cdn.example.com/media/orders/x.jpg"
    assert "cdn.example.com" not in data["proof_url"]
    assert "X-Amz-Signature=" in data["proof_url"]


# --- absolute URLs from the request: what Django would answer ------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/media/orders/a1.jpg", "/media/a%20b.jpg", "/media/./x.jpg", "//cdn/x.jpg", "media/x.jpg"],
)
def test_absolute_url_with_a_request_equals_build_absolute_uri(url, settings):
    from ultraminebackend.files.storage.links import absolute_url

    settings.ALLOWED_HOSTS = ["api.example.com"]
    request = APIRequestFactory().get(
        "/api/x", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="api.example.com"
    )

    assert absolute_url(url, request) == request.build_absolute_uri(url)
    assert absolute_url(url, request) == request.build_absolute_uri(url)  # cached prefix too


# --- URLs from stored names (lists): what storage.url() made absolute answers, for every name ---

ODD_NAMES = [
    "orders/3f2a9c1e.jpg",
    "products/-x_~y.thumb.webp",
    "products/a b+c%.jpg",
    "products/é ü.jpg",
    "products/./x.jpg",
    "products//x.jpg",
    ".hidden.jpg",
    "http://evil.example/x.jpg",
    "c:/x.jpg",
]


def forwarded_request(settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    return APIRequestFactory().get(
        "/api/x", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="api.example.com"
    )


def expected_urls(storage, name, request):
    from ultraminebackend.files.storage.links import absolute_url
    from ultraminebackend.files.storage.naming import thumbnail_name

    thumbnail = absolute_url(storage.url(thumbnail_name(name)), request)
    return absolute_url(storage.url(name), request), thumbnail


@pytest.mark.parametrize("site_url", ["", "https://shop.example.com/"])
@pytest.mark.parametrize("name", ODD_NAMES)
def test_local_name_urls_equal_the_storage_url_made_absolute(name, site_url, settings):
    from ultraminebackend.files.storage.links import name_thumbnail_url, name_url

    settings.SITE_URL = site_url
    request = forwarded_request(settings)
    expected = expected_urls(default_storage, name, request)

    for _ in range(2):  # the second time from the base remembered on the request
        assert (name_url(default_storage, name, request),
                name_thumbnail_url(default_storage, name, request)) == expected  # fmt: skip
    assert name_url(default_storage, name) == expected_urls(default_storage, name, None)[0]


@pytest.mark.usefixtures("s3")
@pytest.mark.parametrize("site_url", ["", "https://shop.example.com/"])  # S3 URLs: absolute
@pytest.mark.parametrize("custom_domain", [None, "cdn.example.com"])
@pytest.mark.parametrize("location", ["media", "", "a b", "media~v2"])
@pytest.mark.parametrize("name", [n for n in ODD_NAMES if not n.startswith(("http:", "c:"))])
def test_s3_name_urls_equal_the_storage_url(name, location, custom_domain, site_url, settings):
    from ultraminebackend.files.storage.links import name_thumbnail_url, name_url

    settings.SITE_URL = site_url
    storage = copy.copy(storages["default"])  # the shared one keeps its location
    storage.location, storage.custom_domain = location, custom_domain
    request = forwarded_request(settings)
    try:
        expected = expected_urls(storage, name, request)
    except SuspiciousOperation:
        return

    for _ in range(2):
        got = name_url(storage, name, request), name_thumbnail_url(storage, name, request)
        assert got == expected
    if custom_domain is None:  # the presigner's URL: no ! * ( ) ' for the quoting to differ on
        key = storage._normalize_name(name)
        presigner = storage.unsigned_connection.meta.client.generate_presigned_url
        assert expected[0] == presigner(
            "get_object", Params={"Bucket": storage.bucket_name, "Key": key}
        )


@pytest.mark.parametrize("use_s3", [False, True])
def test_private_name_urls_are_signed_per_file_and_have_no_thumbnail(use_s3, request, settings):
    from ultraminebackend.files.storage.links import name_thumbnail_url, name_url

    if use_s3:
        request.getfixturevalue("s3")
    storage = private_storage()
    web = forwarded_request(settings)

    first = name_url(storage, "txid_proofs/a.jpg", web)
    second = name_url(storage, "txid_proofs/b.jpg", web)

    signature = "X-Amz-Signature=" if use_s3 else "signature="
    assert signature in first and signature in second
    assert first.split("?")[1] != second.split("?")[1]  # each name signed for itself
    assert "txid_proofs/b.jpg" in second
    assert name_thumbnail_url(storage, "txid_proofs/a.jpg", web) is None
    assert name_url(storage, "", web) is None and name_url(storage, None, web) is None
