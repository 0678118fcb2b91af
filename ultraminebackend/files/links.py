"""The one URL builder: every serializer, view and admin page turns stored files into URLs here.

S3 and CDN URLs are already absolute and are returned as they are. Local ones (``/media/…`` and
the signed ``/files/private/…``) are made absolute from ``SITE_URL`` when it is set, else from the
request, which honours ``X-Forwarded-Proto``/``X-Forwarded-Host`` behind the proxy (see
``SECURE_PROXY_SSL_HEADER`` and ``USE_X_FORWARDED_HOST`` in settings).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest


def absolute_url(url: str, request: HttpRequest | None = None) -> str:
    """Make a storage URL absolute; without ``SITE_URL`` or a request it stays relative."""
    if urlsplit(url).scheme:
        return url
    site_url = settings.SITE_URL
    if site_url:
        return site_url.rstrip("/") + "/" + url.lstrip("/")
    if request is not None:
        return request.build_absolute_uri(url)
    return url


def file_url(file: FieldFile | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of a stored file (signed and expiring for the private role), or None."""
    if not file:
        return None
    return absolute_url(file.storage.url(file.name), request)
