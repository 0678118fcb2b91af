"""The storage backends behind the ``default`` (public) and ``private`` roles of ``STORAGES``.

Private fields take ``storage=private_storage``: a callable, so migrations fit both modes."""

import time
from urllib.parse import urlencode

from django.core import signing
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

from .config import PRIVATE

PRIVATE_SIGNING_SALT = "ultraminebackend.files.private"


class PublicFileSystemStorage(FileSystemStorage):
    """Local public media under ``MEDIA_ROOT``, served at ``/media/`` by Django itself."""

    is_private = False


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files, outside ``MEDIA_ROOT``; ``url()`` returns a signed, expiring link.

    The link has the shape of an S3 presigned URL (``?expires=…&signature=…``) and is checked by
    ``views.private_file``. The signature covers the name and the expiry, so neither can be
    changed without invalidating it.
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
    """Public media on S3, its URLs built by django-storages' ``custom_domain`` path.

    Without a custom domain django-storages asks botocore's presigner for every URL, even an
    unsigned one (django-storages issue 1553). The bucket's own endpoint (what the
    presigner puts in front of every key) is taken once as the custom domain instead, so a URL
    is a string join. Keys are then quoted by Django's ``filepath_to_uri``, which leaves
    ``!*()'`` as they are where botocore would escape them: the same object either way.
    """

    is_private = False

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.custom_domain and not self.querystring_auth:
            self.url_protocol, self.custom_domain = _bucket_endpoint(self)
        return super().url(name, parameters, expire, http_method)


def _bucket_endpoint(storage: S3Storage) -> tuple[str, str]:
    """``("https:", "<bucket host>[/<bucket>]")``: the presigner's URL of the bucket's root."""
    url = storage.unsigned_connection.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": storage.bucket_name, "Key": "probe"}
    )
    protocol, _, rest = url.partition("//")
    root = rest.split("?", 1)[0]
    if not root.endswith("/probe"):  # pragma: no cover - botocore changed its URL shape
        raise RuntimeError(f"Unexpected S3 URL shape: {url}")
    return protocol, root[: -len("/probe")]


class PrivateS3Storage(S3Storage):
    """Payment evidence on S3: every URL is presigned and expires after ``PRIVATE_URL_TTL``."""

    is_private = True


class _PrivateStorageProxy(LazyObject):
    def _setup(self):
        self._wrapped = storages[PRIVATE]


_private = _PrivateStorageProxy()


def private_storage():
    """Storage callable for private file fields (``FileField(storage=private_storage)``)."""
    return _private


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty
