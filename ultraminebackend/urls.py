"""Root URL configuration. Every API route accepts an optional trailing slash (no redirects)."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ultraminebackend.files import views as file_views
from ultraminebackend.health import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^api/health/?$", HealthView.as_view(), name="health"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/auth/", include("accounts.urls")),
    path("api/core/", include("core.urls")),
    path("api/ai-agent/", include("ai_agent.urls")),
    path("api/", include("content.urls")),
    path("files/private/<path:name>", file_views.private_file, name="private-file"),
    # Local public media is served by Django itself, also with DEBUG=False, so a single-container
    # deploy shows its images; on S3 the view answers 404 (the bucket serves media). Always
    # mounted: a URLconf that depended on USE_S3 would be frozen at its first import.
    re_path(r"^media/(?P<path>.+)$", file_views.public_media, name="media"),
]
