"""Root URL configuration. Every API route accepts an optional trailing slash (no redirects).

Everything under ``/api/`` answers JSON, errors included (``ultraminebackend.handlers``).
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ultraminebackend import handlers
from ultraminebackend.files.storage import views as file_views
from ultraminebackend.health import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^api/health/?$", HealthView.as_view(), name="health"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/auth/", include("accounts.urls")),
    path("api/core/", include("core.urls")),
    path("api/ai-agent/", include("ai_agent.urls")),
    path("api/uploads", include("ultraminebackend.uploads.urls")),
    path("api/", include("content.urls")),
    path("files/private/<path:name>", file_views.private_file, name="private-file"),
    # Local public media is served by Django itself, also with DEBUG=False, so a single-container
    # deploy shows its images; on S3 the view answers 404 (the bucket serves media). Always
    # mounted: a URLconf that depended on USE_S3 would be frozen at its first import.
    re_path(r"^media/(?P<path>.+)$", file_views.public_media, name="media"),
]

# Appended after every route, so it only answers what none matched: an unknown /api/ path or a
# non-numeric id is a JSON 404, with DEBUG on too (where Django would show its technical page).
urlpatterns.append(re_path(r"^api(?:/|$)", handlers.api_not_found, name="api-not-found"))

handler400 = handlers.bad_request
handler403 = handlers.permission_denied
handler404 = handlers.page_not_found
handler500 = handlers.server_error
