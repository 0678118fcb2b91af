"""Swagger UI at /api/docs/ comes from our own static files: it works offline and is pinned.

Checked as production serves it: ``collectstatic`` with the production storage (hashed, compressed
names), then WhiteNoise answering from ``STATIC_ROOT``. The page may name no other host (no CDN,
no ``@latest``), and every file it names must be served.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings

PRODUCTION_STATIC = "whitenoise.storage.CompressedManifestStaticFilesStorage"
HOST = "localhost"
ORIGIN = f"http://{HOST}"


class References(HTMLParser):
    """Every src and href of the page, as written."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in {"src", "href"} and value]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic once, into a temporary STATIC_ROOT with the manifest storage (build time)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=production_storages()):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


def production_storages() -> dict:
    return {**django_settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC}}


@pytest.fixture
def production_static(settings, collected):
    settings.STATIC_ROOT = collected
    settings.STORAGES = production_storages()
    return collected


@pytest.fixture
def docs_page(production_static):
    client = Client(HTTP_HOST=HOST)  # a new client builds WhiteNoise over the new STATIC_ROOT
    response = client.get("/api/docs/")
    assert response.status_code == 200
    return client, response.content.decode()


def test_the_docs_page_names_no_other_host(docs_page):
    _, html = docs_page
    parser = References()
    parser.feed(html)

    assert len(parser.found) >= 3, parser.found  # stylesheet, favicon, bundle, preset
    foreign = [url for url in parser.found if urlsplit(urljoin(ORIGIN + "/", url)).netloc != HOST]
    assert foreign == []
    # nor any absolute URL in the inline script (a schema or validator URL elsewhere)
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, flags=re.IGNORECASE) == []


def test_every_file_the_docs_page_names_is_served(docs_page):
    client, html = docs_page
    parser = References()
    parser.feed(html)
    wanted = {
        ".js": "javascript",
        ".css": "text/css",
        ".png": "image/png",
    }

    for url in parser.found:
        path = urlsplit(url).path
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, path
        assert len(body) > 100, path
        kind = next(kind for ending, kind in wanted.items() if path.endswith(ending))
        assert kind in response.headers["Content-Type"], (path, response.headers["Content-Type"])


def test_the_bundle_is_the_pinned_sidecar_build(docs_page):
    # hashed by the manifest storage: a new Swagger UI arrives only with a new pinned sidecar
    _, html = docs_page
    assert re.search(
        r"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.[0-9a-f]{12}\.js", html
    )
