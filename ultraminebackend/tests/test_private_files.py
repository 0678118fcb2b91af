"""Private files in local mode: only a valid, unexpired signed link serves them."""

from urllib.parse import parse_qs, urlencode, urlsplit

import time_machine
from django.core.files.base import ContentFile

from ultraminebackend.files.storage.backends import private_storage


def save_private(content=b"bank transfer screenshot"):
    return private_storage().save("deposit_proofs/proof.jpg", ContentFile(content))


def split(url):
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_signed_url_serves_the_bytes(client):
    name = save_private()

    response = client.get(private_storage().url(name))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"bank transfer screenshot"
    assert response["Cache-Control"] == "private, no-store"


def test_unsigned_request_is_refused(client):
    name = save_private()

    assert client.get(f"/files/private/{name}").status_code == 403


def test_tampered_signature_is_refused(client):
    path, query = split(private_storage().url(save_private()))
    query["signature"] = query["signature"][:-2] + (
        "AA" if query["signature"][-2:] != "AA" else "BB"
    )

    assert client.get(f"{path}?{urlencode(query)}").status_code == 403


def test_extended_expiry_is_refused(client):
    path, query = split(private_storage().url(save_private()))
    query["expires"] = str(int(query["expires"]) + 86400)

    assert client.get(f"{path}?{urlencode(query)}").status_code == 403


def test_signature_of_one_file_does_not_open_another(client):
    storage = private_storage()
    first = save_private(b"first")
    second = storage.save("deposit_proofs/other.jpg", ContentFile(b"second"))
    _, query = split(storage.url(first))

    assert client.get(f"/files/private/{second}?{urlencode(query)}").status_code == 403


def test_link_works_until_its_ttl_and_not_after(client):
    storage = private_storage()
    name = save_private()
    with time_machine.travel(0, tick=False) as traveller:
        url = storage.url(name)
        traveller.shift(storage.url_ttl - 1)
        assert client.get(url).status_code == 200
        traveller.shift(2)
        assert client.get(url).status_code == 403


def test_media_route_never_serves_private_files(client, settings):
    name = save_private()

    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/media/../private_media/{name}").status_code == 404


def test_missing_private_file_with_valid_signature_is_404(client):
    url = private_storage().url("deposit_proofs/never-written.jpg")

    assert client.get(url).status_code == 404
