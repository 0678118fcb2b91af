"""Project middleware."""

from django.http import HttpResponse

HEALTHZ_PATH = "/healthz"


def healthz_middleware(get_response):
    """Answer the platform's liveness probe before anything can reject it.

    Koyeb probes with an internal ``Host`` header that ``ALLOWED_HOSTS`` would answer with a 400, so
    this runs first and touches neither the host, the database nor the storage. Dependencies are
    checked by ``/api/health/``.
    """

    def middleware(request):
        if request.path_info.rstrip("/") == HEALTHZ_PATH:
            return HttpResponse("ok", content_type="text/plain")
        return get_response(request)

    return middleware
