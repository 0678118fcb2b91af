"""Error answers that never fall back to an HTML page under ``/api/``.

See docs/request-limits.md.
"""

from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX[:-1]


def error_response(request, status: int, detail: str) -> HttpResponse:
    """``{"detail": …}`` for the API (DRF's shape), the plain message elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


# Mounted as the last /api/ route, so it answers whatever no API route matched, in DEBUG too
# (with DEBUG on, Django shows its technical 404 page instead of calling handler404). CSRF
# exemption: otherwise an unknown POST would get Django's HTML "CSRF verification failed".
@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "Not found."}, status=404)


def page_not_found(request, exception):
    if is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    if is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return defaults.permission_denied(request, exception)


def server_error(request):
    if is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
