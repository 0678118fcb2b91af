"""Store reads: who sees which rows, with the joins every list needs (constant queries per page)."""

from django.db.models import F, Prefetch, QuerySet

from .models import (
    CATEGORY_NAME_ATTR,
    GALLERY_ATTR,
    PRODUCT_NAME_ATTR,
    Deposit,
    Order,
    Product,
    ProductImage,
    WalletEntry,
)


def product_list(*, user) -> QuerySet[Product]:
    """Active products for everyone; staff also see inactive ones."""
    # The category's name alone, not a Category per row (Product.category_name reads it).
    products = Product.objects.annotate(**{CATEGORY_NAME_ATTR: F("category__name")})
    products = products.prefetch_related(
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
    # The name alone, not a Product per row (Order.product_name reads it).
    orders = Order.objects.annotate(**{PRODUCT_NAME_ATTR: F("product__name")})
    return orders if user.is_staff else orders.filter(user=user)


def deposit_list(*, user) -> QuerySet[Deposit]:
    return Deposit.objects.all() if user.is_staff else Deposit.objects.filter(user=user)


def wallet_entries(*, user, limit: int = 50) -> list[WalletEntry]:
    return list(WalletEntry.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
