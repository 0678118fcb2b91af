"""API shapes of the store. Write endpoints with rules take a separate input serializer."""

from rest_framework import serializers

from ultraminebackend import formdata
from ultraminebackend.files.storage.fields import (
    FileUrlField,
    ImageUploadField,
    RequestUrlField,
    ThumbnailUrlField,
)
from ultraminebackend.files.storage.links import name_thumbnail_url, name_url
from ultraminebackend.files.storage.modelfields import stored_name_getter
from ultraminebackend.serializers import FastReadMixin
from ultraminebackend.uploads.fields import UploadRefField, UploadRefsMixin

from .models import Category, Deposit, Order, Product, ProductImage, WalletEntry
from .money import CENT, DEPOSIT_MAX, PRICE_MAX, QUANTITY_MAX, ZERO, money_serializer_field

SLUG_HELP = "Unique; made from the name (numbered if taken: `name-2`) when left out or blank."


class CategorySerializer(FastReadMixin, formdata.ModelSerializer):
    slug = serializers.SlugField(
        max_length=140, required=False, allow_blank=True, help_text=SLUG_HELP
    )

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "is_active"]


PRIMARY_HELP = (
    "The gallery's first image (position 0) is its primary. On add, true puts the image first; "
    "otherwise it goes last (and is primary only in an empty gallery)."
)


class ProductImageSerializer(UploadRefsMixin, FastReadMixin, formdata.ModelSerializer):
    image = ImageUploadField(required=False)  # or image_upload
    image_upload = UploadRefField("products.gallery", source="image", file_required=True)
    image_url = FileUrlField(source="image")
    image_thumbnail_url = ThumbnailUrlField(source="image")

    class Meta:
        model = ProductImage
        fields = [
            "id",
            "image",
            "image_upload",
            "image_url",
            "image_thumbnail_url",
            "alt_text",
            "is_primary",
            "position",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {"is_primary": {"help_text": PRIMARY_HELP}}


class ProductImageUpdateSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_primary = formdata.BooleanField(
        required=False,
        help_text="true moves the image to the front (it becomes the primary); false on the "
        "primary is a 400 (make another image primary instead).",
    )


class ProductImagesReorderSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)


_stored_image_name = stored_name_getter("image")  # Product.image and ProductImage.image alike


def _cover(product: Product) -> tuple | None:
    """``(storage, name)`` of the picture the shop shows for a product, or ``None``.

    The product's own ``image`` when it has one, else its gallery's primary (the first image).
    """
    name = _stored_image_name(product)
    if name:
        return Product._meta.get_field("image").storage, name
    gallery = product.gallery  # prefetched on list pages (selectors.attach_galleries)
    if gallery:
        return ProductImage._meta.get_field("image").storage, _stored_image_name(gallery[0])
    return None


def _cover_url(product: Product, request) -> str | None:
    cover = _cover(product)
    return None if cover is None else name_url(*cover, request)


def _cover_thumbnail_url(product: Product, request) -> str | None:
    cover = _cover(product)
    return None if cover is None else name_thumbnail_url(*cover, request)


class CoverUrlField(RequestUrlField):
    """The picture to show for a product: ``image`` if set, else the gallery's primary."""

    url_of = staticmethod(_cover_url)

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)


class CoverThumbnailUrlField(CoverUrlField):
    url_of = staticmethod(_cover_thumbnail_url)


class ProductSerializer(UploadRefsMixin, FastReadMixin, formdata.ModelSerializer):
    """Read by anyone, written by staff (multipart with an optional ``image``).

    ``cover_url`` answers which picture is the product's, so clients need no rule of their own.
    """

    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    category_name = serializers.CharField(read_only=True)  # Product.category_name
    image = ImageUploadField(required=False, allow_null=True)
    image_upload = UploadRefField("products.image", source="image")
    image_url = FileUrlField(source="image")
    image_thumbnail_url = ThumbnailUrlField(source="image")
    images = ProductImageSerializer(source="gallery", many=True, read_only=True)
    cover_url = CoverUrlField(
        help_text="The picture to show for the product: `image` when set, else the gallery's "
        "primary (first) image; null when it has neither."
    )
    cover_thumbnail_url = CoverThumbnailUrlField(help_text="The cover's WebP thumbnail.")
    price = money_serializer_field(min_value=ZERO, max_value=PRICE_MAX)
    slug = serializers.SlugField(
        max_length=220, required=False, allow_blank=True, help_text=SLUG_HELP
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "price",
            "stock",
            "category",
            "category_name",
            "is_active",
            "image",
            "image_upload",
            "image_url",
            "image_thumbnail_url",
            "images",
            "cover_url",
            "cover_thumbnail_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class OrderCreateSerializer(UploadRefsMixin, serializers.Serializer):
    """What a customer may send; prices, totals and status are computed by the server."""

    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    quantity = serializers.IntegerField(min_value=1, max_value=QUANTITY_MAX)
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    customer_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=40)
    email = serializers.EmailField()
    shipping_address = serializers.CharField(max_length=2000)
    txid = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    image = ImageUploadField(required=False)
    image_upload = UploadRefField("orders.image", source="image")
    txid_proof = ImageUploadField(required=False, private=True)
    txid_proof_upload = UploadRefField("orders.txid_proof", source="txid_proof")


def _staff_only(help_text: str) -> serializers.PrimaryKeyRelatedField:
    """A duplicate-proof id: answered to staff only, so the schema marks it optional."""
    return serializers.PrimaryKeyRelatedField(
        read_only=True,
        required=False,
        allow_null=True,
        help_text=f"Staff only (absent for everyone else). {help_text}",
    )


DUPLICATE_HELP = (
    "The id of the earliest earlier {kind} whose proof looks the same (perceptual hash within "
    "`PROOF_HASH_THRESHOLD` bits, any user), or null. A hint for review: the proof was accepted."
)
CROSS_KIND_HELP = (
    "The same for {kind}s: the id of the earliest {kind} whose proof looks like this one, or null."
)


def with_duplicate_proofs(owner, proof: str, *, kind: str, other: str):
    """``owner`` plus the ids of earlier look-alike proofs, answered to staff only."""
    fields = {
        f"{proof}_duplicate_of": _staff_only(DUPLICATE_HELP.format(kind=kind)),
        f"{proof}_duplicate_of_{other}": _staff_only(CROSS_KIND_HELP.format(kind=other)),
    }
    names = [*owner.Meta.fields, *fields]
    meta = type("Meta", (owner.Meta,), {"fields": names, "read_only_fields": names})
    name = owner.__name__.removeprefix("Owner")
    article = "An" if kind[0] in "aeiou" else "A"
    doc = f"{article} {kind}. Staff also read which earlier proofs its ``{proof}`` looks like."
    attrs = {"__module__": owner.__module__, "__qualname__": name, "__doc__": doc, "Meta": meta}
    return type(owner)(name, (owner,), {**attrs, **fields})


class OwnerOrderSerializer(FastReadMixin, serializers.ModelSerializer):
    """What a customer reads of an order (``OrderSerializer`` without the staff-only fields)."""

    product_name = serializers.CharField(read_only=True)  # Order.product_name
    image_url = FileUrlField(source="image")
    image_thumbnail_url = ThumbnailUrlField(source="image")
    txid_proof_url = FileUrlField(source="txid_proof")
    unit_price = money_serializer_field(read_only=True)
    total_price = money_serializer_field(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "product",
            "product_name",
            "quantity",
            "unit_price",
            "total_price",
            "status",
            "payment_method",
            "customer_name",
            "phone",
            "email",
            "shipping_address",
            "image",
            "image_url",
            "image_thumbnail_url",
            "txid",
            "txid_proof",
            "txid_proof_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


OrderSerializer = with_duplicate_proofs(
    OwnerOrderSerializer, "txid_proof", kind="order", other="deposit"
)


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)


class DepositCreateSerializer(UploadRefsMixin, serializers.Serializer):
    amount = money_serializer_field(min_value=CENT, max_value=DEPOSIT_MAX)
    method = serializers.ChoiceField(choices=Deposit.Method.choices)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    proof = ImageUploadField(private=True, required=False)  # or proof_upload
    proof_upload = UploadRefField("deposits.proof", source="proof", file_required=True)


class OwnerDepositSerializer(FastReadMixin, serializers.ModelSerializer):
    """What a customer reads of a deposit (``DepositSerializer`` without the staff-only fields)."""

    proof_url = FileUrlField(source="proof")
    amount = money_serializer_field(read_only=True)

    class Meta:
        model = Deposit
        fields = [
            "id",
            "user",
            "amount",
            "method",
            "reference",
            "proof",
            "proof_url",
            "status",
            "reviewed_by",
            "reviewed_at",
            "rejection_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


DepositSerializer = with_duplicate_proofs(
    OwnerDepositSerializer, "proof", kind="deposit", other="order"
)


class DepositRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WalletEntrySerializer(FastReadMixin, serializers.ModelSerializer):
    amount = money_serializer_field(read_only=True)

    class Meta:
        model = WalletEntry
        fields = ["id", "amount", "kind", "deposit", "order", "note", "created_at"]
        read_only_fields = fields


class WalletSerializer(serializers.Serializer):
    balance = money_serializer_field()
    entries = WalletEntrySerializer(many=True)
