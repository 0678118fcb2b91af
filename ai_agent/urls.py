"""AI agent routes under /api/ai-agent/ (trailing slash optional)."""

from django.urls import re_path

from ultraminebackend.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("generations", views.GenerationViewSet, basename="generation")

urlpatterns = [
    re_path(r"^generate-image/?$", views.GenerateImageView.as_view(), name="generate-image"),
    *router.urls,
]
