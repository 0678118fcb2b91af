"""The storage backends behind the ``default`` (public) and ``private`` roles of ``STORAGES``.

Model fields that hold payment evidence use ``storage=private_storage``: a callable, so migrations
stay identical whichever mode ``USE_S3`` picks, returning a lazy proxy, so tests that override
``STORAGES`` reach the new backend too.
"""

import re
import time
from functools import cached_property
from urllib.parse import quote, urlencode

from django.core import signing
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import filepath_to_uri
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

PRIVATE_SIGNING_SALT = "ultraminebackend.files.private"


class PublicFileSystemStorage(FileSystemStorage):
    """Local public media under ``MEDIA_ROOT``, served at ``/media/`` by Django itself."""

    is_private = False

    def plain_name_url_base(self) -> str | None:
        """``url(name) == base + name`` for every ``PLAIN_NAME`` (see ``links.name_url``)."""
        return self.base_url

    def url(self, name):
        # Django joins with urljoin(), ~20 us a call; a page of products builds hundreds of URLs
        # (bench/list_throughput.py). Joining is plain concatenation unless the path has a scheme
        # or dot segments, which generated names never have; those still take Django's way.
        path = filepath_to_uri(name)
        if path is None or self.base_url is None or not _is_plain_path(path):
            return super().url(name)
        return self.base_url + path.lstrip("/")


def _is_plain_path(path: str) -> bool:
    return ":" not in path and "/." not in f"/{path}" and "//" not in path


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files, outside ``MEDIA_ROOT``; ``url()`` returns a signed, expiring link.

    The link has the shape of an S3 presigned URL (``?expires=…&signature=…``) and is checked by
    ``ultraminebackend.files.views.private_file``. The signature covers the name and the expiry, so
    neither can be changed without invalidating it.
    """

    is_private = True

    def __init__(self, *, location=None, url_ttl: int = 900, **kwargs):
        super().__init__(location=location, base_url=None, **kwargs)
        self.url_ttl = url_ttl

    def url(self, name, expire: int | None = None):
        expires = int(time.time()) + (self.url_ttl if expire is None else expire)
        query = urlencode({"expires": expires, "signature": sign_private_name(name, expires)})
        return f"{reverse('private-file', kwargs={'name': name})}?{query}"


def sign_private_name(name: str, expires: int) -> str:
    return signing.Signer(salt=PRIVATE_SIGNING_SALT).signature(f"{name}\n{expires}")


def private_signature_is_valid(name: str, expires: str, signature: str) -> bool:
    """True when the signature matches and the link has not expired."""
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < time.time():
        return False
    return constant_time_compare(sign_private_name(name, expires_at), signature or "")


class PublicS3Storage(S3Storage):
    """Public media on S3 whose URLs cost a string join instead of a botocore round.

    django-storages builds every URL with botocore's presigner, even unsigned ones, unless a
    ``custom_domain`` is set (django-storages issue 1553): that is pipeline work per image, for
    lists of hundreds of images. The bucket's base URL is computed once through the presigner and
    reused; keys are quoted exactly as botocore quotes them (``safe="/~"``), which the tests check.
    """

    is_private = False

    def plain_name_url_base(self) -> str | None:
        """``url(name) == base + name`` for every ``PLAIN_NAME``, or ``None`` when URLs are made
        another way (a custom domain, query auth) or the location itself needs normalising."""
        if self.custom_domain or self.querystring_auth:
            return None
        prefix = self._safe_location_prefix()
        return None if prefix is None else self._base_url + prefix

    def url(self, name, parameters=None, expire=None, http_method=None):
        if parameters or http_method or self.custom_domain or self.querystring_auth:
            return super().url(name, parameters, expire, http_method)
        if type(name) is str and PLAIN_NAME.fullmatch(name):
            # Every name we generate: nothing to normalise and nothing botocore would quote.
            prefix = self._safe_location_prefix()
            if prefix is not None:
                return self._base_url + prefix + name
        return self._base_url + quote(self._key(name), safe="/~")

    def _safe_location_prefix(self) -> str | None:
        """``"<location>/"`` (or ``""``) when the location is plain and URL-safe, else ``None``;
        remembered per location value (tests change ``location`` on copies)."""
        location = self.location
        cached = self.__dict__.get("_location_prefix")
        if cached is None or cached[0] != location:
            if not location:
                prefix = ""
            elif PLAIN_NAME.fullmatch(location):
                prefix = f"{location}/"
            else:
                prefix = None
            cached = self.__dict__["_location_prefix"] = (location, prefix)
        return cached[1]

    def _key(self, name) -> str:
        """``_normalize_name(clean_name(name))``: for a plain relative name under a plain (or no)
        ``LOCATION`` that is their join (the normalising costs more than the rest of the URL)."""
        location = self.location
        if type(name) is str and _is_plain_key(name):
            if not location:
                return name
            if _is_plain_key(location):
                return f"{location}/{name}"
        return self._normalize_name(clean_name(name))

    @cached_property
    def _base_url(self) -> str:
        probe_key = self._normalize_name("probe")
        probe_url = super().url("probe")
        suffix = quote(probe_key, safe="/~")
        if not probe_url.endswith(suffix):  # pragma: no cover - botocore changed its URL shape
            raise RuntimeError(f"Unexpected S3 URL shape: {probe_url}")
        return probe_url[: -len(suffix)]


# Segments of characters that neither botocore (``quote(key, safe="/~")``) nor Django
# (``filepath_to_uri``) ever quotes, none empty and none starting with a dot (so no ``.`` or
# ``..``): such a name is its own key and its own URL path under every public backend here.
# Every name we generate is one (``naming.UploadTo``, ``variants.thumbnail_name``).
PLAIN_NAME = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*")


def _is_plain_key(name: str) -> bool:
    """No empty, ``.`` or ``..`` segment, no backslash, no leading or trailing slash."""
    return (
        bool(name)
        and "\\" not in name
        and "//" not in name
        and "/." not in f"/{name}"
        and not name.startswith("/")
        and not name.endswith("/")
    )


class PrivateS3Storage(S3Storage):
    """Payment evidence on S3: every URL is presigned and expires after ``PRIVATE_URL_TTL``."""

    is_private = True


class _PrivateStorageProxy(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorageProxy()


def private_storage():
    """Storage callable for private file fields (``FileField(storage=private_storage)``)."""
    return _private


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty
