"""Content routes under /api/ (trailing slash optional): brands, posts, blogs."""

from ultraminebackend.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("brands", views.BrandViewSet, basename="brand")
router.register("posts", views.PostViewSet, basename="post")
router.register("blogs", views.BlogViewSet, basename="blog")

urlpatterns = router.urls
