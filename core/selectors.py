"""Store reads: who sees which rows, with the joins every list needs (constant queries per page)."""

from django.db.models import F, QuerySet

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
    """Active products for everyone, inactive ones for staff too; galleries: attach_galleries."""
    # The category's name alone, not a Category per row (Product.category_name reads it).
    products = Product.objects.annotate(**{CATEGORY_NAME_ATTR: F("category__name")})
    if not (user and user.is_staff):
        products = products.filter(is_active=True)
    return products


def attach_galleries(products: list[Product]) -> list[Product]:
    """Give each product its gallery, in order, with one query for all (``Product.gallery``).

    What ``prefetch_related(Prefetch("images", to_attr=…))`` does, without the machinery around
    it (related-object caches, a queryset per lookup; bench/README.md). Lists call it on their
    page; a product without it queries its own gallery.
    """
    by_id = {product.pk: product for product in products}
    for product in products:
        product.__dict__[GALLERY_ATTR] = []
    if by_id:
        images = ProductImage.objects.filter(product_id__in=by_id).order_by("position", "id")
        for image in images:
            product = by_id[image.product_id]
            ProductImage.product.field.set_cached_value(image, product)  # image.product: no query
            product.__dict__[GALLERY_ATTR].append(image)
    return products


def order_list(*, user) -> QuerySet[Order]:
    # The name alone, not a Product per row (Order.product_name reads it).
    orders = Order.objects.annotate(**{PRODUCT_NAME_ATTR: F("product__name")})
    return orders if user.is_staff else orders.filter(user=user)


def deposit_list(*, user) -> QuerySet[Deposit]:
    return Deposit.objects.all() if user.is_staff else Deposit.objects.filter(user=user)


def wallet_entries(*, user, limit: int = 50) -> list[WalletEntry]:
    return list(WalletEntry.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
