"""Request bodies are refused from their declared size, per route, before anything reads them.

See docs/request-limits.md.
"""

from dataclasses import dataclass

from django.conf import settings

from .handlers import error_response


@dataclass(frozen=True)
class UploadLimit:
    """The largest body of an upload route: ``images`` at ``IMAGE_MAX_BYTES`` each, ``media``
    (an image or a video) at the larger of ``IMAGE_MAX_BYTES`` and ``VIDEO_MAX_BYTES`` each, and
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the other fields and the multipart framing."""

    images: int = 0
    media: int = 0

    def __call__(self, request=None) -> int:
        per_media = max(settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES)
        files = self.images * settings.IMAGE_MAX_BYTES + self.media * per_media
        return files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# The admin's widest form: a product with its image and a gallery of inline images.
ADMIN_UPLOAD_LIMIT = UploadLimit(images=20)


def route_limit(request, view_func) -> int:
    """The largest body, in bytes, the resolved view accepts (docs/request-limits.md)."""
    view_class = getattr(view_func, "cls", None)  # DRF's as_view() keeps the class here
    declared = getattr(view_class, "max_body_bytes", None)
    if declared is not None:
        return declared(request) if callable(declared) else declared
    if view_class is None and request.user.is_staff:
        return ADMIN_UPLOAD_LIMIT(request)
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(request) -> int | None:
    """``Content-Length`` as an int; ``None`` when absent (0 when malformed, as Django reads it)."""
    raw = request.META.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    try:
        return max(int(raw), 0)
    except ValueError:
        return 0


class BodyLimitMiddleware:
    """413 for a body over its route's limit, 411 for one of unknown length; see the module.

    Runs in ``process_view`` (the route is known) and must come before anything that reads the
    body: ``CsrfViewMiddleware`` reads ``request.POST`` for the admin's forms.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        length = declared_length(request)
        if length is None:
            if "HTTP_TRANSFER_ENCODING" in request.META:
                return error_response(
                    request, 411, "Send the body with a Content-Length header (not chunked)."
                )
            return None
        if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return None
        limit = route_limit(request, view_func)
        if length > limit:
            return error_response(
                request,
                413,
                f"The request body is {length} bytes; this route accepts at most {limit} bytes.",
            )
        return None
