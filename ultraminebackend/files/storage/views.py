"""Views that serve local files: public ``/media/`` and signed private links.

Only used in local mode (``USE_S3=False``); on S3 the browser talks to the bucket directly.
"""

import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpResponseForbidden
from django.views.decorators.http import require_safe

from .backends import private_signature_is_valid, private_storage
from .config import PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL
from .ranges import file_response


@require_safe
def public_media(request, path):
    """Serve public media from ``MEDIA_ROOT``, also with ``DEBUG=False``, with byte ranges.

    A single-container deploy keeps showing its images without a separate web server, and its
    videos play in Safari (which needs 206 answers; Django's ``static.serve`` has no ranges).
    Stored names are random and never rewritten, so responses may be cached for a year.
    """
    if not isinstance(default_storage, FileSystemStorage):  # S3 mode: the bucket serves media
        raise Http404("Media is not served from this host.")
    name = posixpath.normpath(path).lstrip("/")
    try:
        handle = open(default_storage.path(name), "rb")  # noqa: SIM115 - the response closes it
    except (SuspiciousFileOperation, FileNotFoundError, IsADirectoryError, NotADirectoryError):
        # "../" tricks never leave MEDIA_ROOT; folders are not listed.
        raise Http404("File not found.") from None
    response = file_response(request, handle, name=name)
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response


@require_safe
def private_file(request, name):
    """Serve a private file only to holders of an unexpired signed link (403 otherwise)."""
    if not private_signature_is_valid(
        name, request.GET.get("expires"), request.GET.get("signature")
    ):
        return HttpResponseForbidden("Invalid or expired link.")
    storage = private_storage()
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404("File not found.") from None
    # No Last-Modified: evidence is never cached (no-store), so nothing revalidates it.
    response = file_response(request, handle, name=name, last_modified=False)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex"
    return response
