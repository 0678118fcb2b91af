"""Project middleware: the liveness probe, and query strings no view should see."""

from django.core.exceptions import BadRequest
from django.http import HttpResponse, JsonResponse

from .handlers import is_api

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


NULL_CHARACTER_MESSAGE = "Null characters are not allowed."


def query_guard_middleware(get_response):
    """Refuse a query parameter holding a NUL character, naming the parameter.

    PostgreSQL cannot store or compare text with NUL (psycopg raises, a 500), and each filter
    backend answered it its own way: DRF's search a bare list, ordering and page_size ignored
    it. One check before any view answers ``{"search": ["Null characters are not allowed."]}``
    under ``/api/`` (Django's message for the same rule in forms); elsewhere (the admin's
    search) Django's 400 page.
    """

    def middleware(request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                if not is_api(request):
                    raise BadRequest(NULL_CHARACTER_MESSAGE)
                if "\x00" in name:
                    body = {"detail": "Null characters are not allowed in parameter names."}
                else:
                    body = {name: [NULL_CHARACTER_MESSAGE]}
                return JsonResponse(body, status=400)
        return get_response(request)

    return middleware
