"""Store routes under /api/core/ (trailing slash optional)."""

from django.urls import re_path

from ultraminebackend.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")
router.register("orders", views.OrderViewSet, basename="order")
router.register("deposits", views.DepositViewSet, basename="deposit")

urlpatterns = [
    re_path(r"^wallet/?$", views.WalletView.as_view(), name="wallet"),
    *router.urls,
]
