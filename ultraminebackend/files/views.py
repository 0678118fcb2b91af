"""Views that serve local files: public ``/media/`` and signed private links.

Only used in local mode (``USE_S3=False``); on S3 the browser talks to the bucket directly.
"""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.views.decorators.http import require_safe
from django.views.static import serve

from .config import PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL
from .storages import private_signature_is_valid, private_storage


@require_safe
def public_media(request, path):
    """Serve public media from ``MEDIA_ROOT``, also with ``DEBUG=False``.

    A single-container deploy keeps showing its images without a separate web server. Stored
    names are random and never rewritten, so responses may be cached for a year.
    """
    if not isinstance(default_storage, FileSystemStorage):  # S3 mode: the bucket serves media
        raise Http404("Media is not served from this host.")
    try:
        response = serve(request, path, document_root=default_storage.location)
    except SuspiciousFileOperation:  # "../" tricks never leave MEDIA_ROOT
        raise Http404("File not found.") from None
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
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex"
    return response
