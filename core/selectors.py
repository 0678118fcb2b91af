"""Store reads: who sees which rows, with the joins every list needs (constant queries per page)."""

from django.db.models import Prefetch, QuerySet

from .models import GALLERY_ATTR, Deposit, Order, Product, ProductImage, WalletEntry


def product_list(*, user) -> QuerySet[Product]:
    """Active products for everyone; staff also see inactive ones."""
    products = Product.objects.select_related("category").prefetch_related(
        Prefetch(
            "images",
            queryset=ProductImage.objects.order_by("position", "id"),
            to_attr=GALLERY_ATTR,  # read through Product.gallery
        )
    )
    if not (user and user.is_staff):
        products = products.filter(is_active=True)
    return products


def order_list(*, user) -> QuerySet[Order]:
    orders = Order.objects.select_related("product")
    return orders if user.is_staff else orders.filter(user=user)


def deposit_list(*, user) -> QuerySet[Deposit]:
    return Deposit.objects.all() if user.is_staff else Deposit.objects.filter(user=user)


def wallet_entries(*, user, limit: int = 50) -> list[WalletEntry]:
    return list(WalletEntry.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
