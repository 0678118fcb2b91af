"""Floor views: the same JSON as the list endpoints, built with ``values()`` and ``JsonResponse``.

The cheapest honest way to answer the same bytes; the bench compares the API with it.
"""

from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import JsonResponse
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.models import Order, Product, ProductImage
from ultraminebackend.files.storage.backends import private_storage
from ultraminebackend.files.storage.links import absolute_url
from ultraminebackend.files.storage.naming import thumbnail_name

PRODUCT_FIELDS = (
    "id", "name", "slug", "description", "price", "stock", "category", "category__name",
    "is_active", "image", "created_at", "updated_at",
)  # fmt: skip
ORDER_FIELDS = (
    "id", "user", "product", "product__name", "quantity", "unit_price", "total_price", "status",
    "payment_method", "customer_name", "phone", "email", "shipping_address", "image", "txid",
    "txid_proof", "created_at", "updated_at",
)  # fmt: skip


def _page(request, queryset, fields):
    size = max(1, min(int(request.GET.get("page_size", 20)), 100))
    number = max(1, int(request.GET.get("page", 1)))
    count = queryset.count()
    rows = list(queryset.values(*fields)[(number - 1) * size : number * size])
    base = request.build_absolute_uri(request.path)

    def link(page):
        return f"{base}?page={page}&page_size={size}"

    return {
        "count": count,
        "next": link(number + 1) if number * size < count else None,
        "previous": link(number - 1) if number > 1 else None,
    }, rows


def _public_urls(request):
    """name -> (url, thumbnail url), from a base the storage gives once."""
    base = absolute_url(default_storage.url("probe"), request)[: -len("probe")]

    def urls(name):
        if not name:
            return None, None
        return base + quote(name), base + quote(thumbnail_name(name))

    return urls


def products(request):
    page, rows = _page(request, Product.objects.filter(is_active=True), PRODUCT_FIELDS)
    urls = _public_urls(request)
    gallery: dict[int, list] = {row["id"]: [] for row in rows}
    images = ProductImage.objects.filter(product_id__in=gallery).order_by("position", "id")
    for image in images.values("id", "product_id", "image", "alt_text", "is_primary", "position"):
        url, thumb = urls(image["image"])
        gallery[image.pop("product_id")].append(
            {**image, "image_url": url, "image_thumbnail_url": thumb}
        )
    for row in rows:
        row["category_name"] = row.pop("category__name")
        row["price"] = str(row["price"])
        row["image_url"], row["image_thumbnail_url"] = urls(row["image"])
        row["image"] = row["image"] or None
        row["images"] = gallery[row["id"]]
        # The cover: the product's image, else the gallery's first (primary) image.
        cover = row if row["image"] else (row["images"] or [{}])[0]
        row["cover_url"] = cover.get("image_url")
        row["cover_thumbnail_url"] = cover.get("image_thumbnail_url")
    return JsonResponse({**page, "results": rows})


def orders(request):
    authenticated = JWTAuthentication().authenticate(request)
    if authenticated is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    user = authenticated[0]
    queryset = Order.objects.filter(user=user)
    if method := request.GET.get("payment_method"):
        queryset = queryset.filter(payment_method=method)
    page, rows = _page(request, queryset, ORDER_FIELDS)
    urls = _public_urls(request)
    private = private_storage()
    for row in rows:
        row["product_name"] = row.pop("product__name")
        for money in ("unit_price", "total_price"):
            row[money] = str(row[money])
        row["image_url"], row["image_thumbnail_url"] = urls(row["image"])
        row["image"] = row["image"] or None
        proof = row["txid_proof"]
        row["txid_proof"] = proof or None
        row["txid_proof_url"] = absolute_url(private.url(proof), request) if proof else None
    return JsonResponse({**page, "results": rows})
