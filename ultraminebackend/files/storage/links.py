"""The one URL builder: every serializer, view and admin page turns stored files into URLs here.

Local URLs are made absolute from ``SITE_URL`` or the request; S3 and CDN URLs already are."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from .naming import thumbnail_name

# Segments of characters no backend here ever quotes or normalises (none empty, none starting
# with a dot): a public backend's URL of such a name is its URL base followed by the name. Every
# name we generate is one (``naming.UploadTo``, ``variants.thumbnail_name``).
PLAIN_NAME = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*")
_PROBE = "probe"


def absolute_url(url: str, request: HttpRequest | None = None) -> str:
    """Make a storage URL absolute; without ``SITE_URL`` or a request it stays relative."""
    is_path = url.startswith("/") and not url.startswith("//")  # /media/…: no scheme to find
    if not is_path and (url.startswith(("http://", "https://")) or urlsplit(url).scheme):
        return url
    site_url = settings.SITE_URL
    if site_url:
        return site_url.rstrip("/") + "/" + url.lstrip("/")
    if request is not None:
        # build_absolute_uri() splits and re-quotes every URL; for a plain absolute path it only
        # prefixes scheme and host, so that prefix is computed once per request and reused for
        # the hundreds of URLs a list page holds.
        if is_path and "/." not in url:
            return _scheme_and_host(request) + url
        return request.build_absolute_uri(url)
    return url


def _scheme_and_host(request: HttpRequest) -> str:
    prefix = getattr(request, "_absolute_url_prefix", None)
    if prefix is None:
        prefix = request._absolute_url_prefix = request.build_absolute_uri("/")[:-1]
    return prefix


def file_url(file: FieldFile | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of a stored file (signed and expiring for the private role), or None."""
    return name_url(file.storage, file.name, request) if file else None


def thumbnail_url(file: FieldFile | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of the WebP thumbnail stored beside a public image, or None.

    Built from the name alone, without asking storage whether it exists: lists stay free of I/O.
    Private files never have one.
    """
    return name_thumbnail_url(file.storage, file.name, request) if file else None


def name_url(storage, name: str | None, request: HttpRequest | None = None) -> str | None:
    """``file_url`` of the file ``storage`` holds as ``name``: lists need no FieldFile per row.

    A plain name (``PLAIN_NAME``) on a public backend is appended to the backend's URL base,
    made absolute once per request; any other name, and every private file (signed per URL),
    goes through ``storage.url``.
    """
    if not name:
        return None
    backend = _backend(storage)
    if PLAIN_NAME.fullmatch(name):
        base = _absolute_base(backend, request)
        if base is not None:
            return base + name
    return absolute_url(backend.url(name), request)


def name_thumbnail_url(storage, name: str | None, request: HttpRequest | None = None):
    """``thumbnail_url`` of the image ``storage`` holds as ``name`` (``None`` for private ones)."""
    if not name:
        return None
    backend = _backend(storage)
    if getattr(backend, "is_private", False):
        return None
    return name_url(backend, thumbnail_name(name), request)


_NO_BASE = object()


def _absolute_base(backend, request: HttpRequest | None) -> str | None:
    """What a public backend's URL of a plain name starts with, made absolute; remembered on the
    request (one per page and backend). ``None`` for a private backend or signed URLs."""
    bases = getattr(request, "_file_url_bases", None)  # None without a request too
    if bases is None:
        bases = {}
        if request is not None:
            request._file_url_bases = bases
    base = bases.get(backend, _NO_BASE)
    if base is _NO_BASE:
        base = bases[backend] = _url_base(backend, request)
    return base


def _url_base(backend, request: HttpRequest | None) -> str | None:
    if getattr(backend, "is_private", True):
        return None
    probe_url = backend.url(_PROBE)
    if "?" in probe_url or "#" in probe_url or not probe_url.endswith("/" + _PROBE):
        return None  # signed, or not a concatenation
    return absolute_url(probe_url, request)[: -len(_PROBE)]


def _backend(storage):
    """The backend behind a lazy storage (``default_storage``, ``private_storage()``).

    Every attribute read through the lazy proxy costs a proxy call; a list page reads a few per
    URL. The backend is looked up per call, so a proxy reset by ``setting_changed`` still counts.
    """
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage
