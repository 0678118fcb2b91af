"""Store data: catalogue, orders with payment evidence, deposit proofs and the wallet ledger.

Invariants live in the database where it can hold them; multi-step rules in services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import owner
from ultraminebackend.files.storage.modelfields import PrivateFileField, PublicImageField
from ultraminebackend.models import Timestamped

from .money import CENT, DEPOSIT_MAX, PRICE_MAX, ZERO, MoneyField

GALLERY_ATTR = "prefetched_gallery"  # where selectors.attach_galleries puts each gallery
PRODUCT_NAME_ATTR = "listed_product_name"  # where order_list puts each order's product name
CATEGORY_NAME_ATTR = "listed_category_name"  # where product_list puts each category name


def _proof_hash_field():
    return models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="64-bit perceptual hash of the proof (pHash), stored signed",
    )


def _duplicate_field(to, kind: str):
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=f"The earliest {kind} whose proof looked the same when this one arrived",
    )


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(Timestamped):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = MoneyField(min_value=ZERO, max_value=PRICE_MAX)
    stock = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    is_active = models.BooleanField(default=True)
    image = PublicImageField(folder="products", blank=True)

    class Meta(Timestamped.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            # The limit every total is computed from (core/money.py), held here so no price the
            # API then fails to answer (or to multiply) can be stored, even by the shell.
            models.CheckConstraint(
                condition=Q(price__lte=PRICE_MAX), name="product_price_at_most_limit"
            ),
            # PositiveIntegerField is only a CHECK on some backends; say it explicitly.
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
        ]
        indexes = [
            models.Index(fields=["is_active", "category"]),
            # The list's order: a page is read off the index instead of sorting every product.
            models.Index(fields=["-created_at", "-id"], name="core_product_newest_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def category_name(self) -> str:
        """The category's name: annotated by ``selectors.product_list``, else read through the FK.

        The annotation spares a list page a ``Category`` instance per row.
        """
        if CATEGORY_NAME_ATTR in self.__dict__:
            return self.__dict__[CATEGORY_NAME_ATTR]
        return self.category.name

    @property
    def gallery(self) -> list["ProductImage"]:
        """The gallery in its order: the list ``selectors.attach_galleries`` gave it, else a query.

        A plain list rather than the prefetched ``images`` manager: Django builds a queryset per
        product for the latter, a measurable share of a list page.
        """
        prefetched = self.__dict__.get(GALLERY_ATTR)
        return prefetched if prefetched is not None else list(self.images.all())


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = PublicImageField(folder="products")
    alt_text = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_primary=True),
                name="product_one_primary_image",
            )
        ]

    def __str__(self):
        return f"{self.product} #{self.position}"


class Order(Timestamped):
    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"

    class PaymentMethod(models.TextChoices):
        COD = "cod", "Cash on delivery"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CRYPTO = "crypto", "Crypto"
        WALLET = "wallet", "Wallet"

    user = owner("orders", on_delete=models.PROTECT)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField()
    # Copied from the product when the order is placed, in cents: the CHECK below is exact.
    unit_price = MoneyField()
    total_price = MoneyField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    customer_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40)
    email = models.EmailField()
    shipping_address = models.TextField()
    image = PublicImageField(folder="orders", blank=True)
    txid = models.CharField("transaction id", max_length=200, blank=True)
    txid_proof = PrivateFileField(folder="txid_proofs", blank=True)
    # The proof's perceptual hash and the earliest records whose proof looks the same
    # (core/proofs.py); staff read them, owners never do.
    txid_proof_hash = _proof_hash_field()
    txid_proof_duplicate_of = _duplicate_field("self", "earlier order")
    txid_proof_duplicate_of_deposit = _duplicate_field("Deposit", "deposit")

    class Meta(Timestamped.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(total_price=F("unit_price") * F("quantity")),
                name="order_total_is_unit_price_times_quantity",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self):
        return f"Order #{self.pk}"

    @property
    def product_name(self) -> str:
        """The product's name: annotated by ``selectors.order_list``, else read through the FK.

        The annotation spares a list page a ``Product`` instance (and its ``post_init``) per row.
        """
        if PRODUCT_NAME_ATTR in self.__dict__:
            return self.__dict__[PRODUCT_NAME_ATTR]
        return self.product.name


class Deposit(Timestamped):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CRYPTO = "crypto", "Crypto"
        OTHER = "other", "Other"

    user = owner("deposits", on_delete=models.PROTECT)
    amount = MoneyField(min_value=CENT, max_value=DEPOSIT_MAX)
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(max_length=200, blank=True, help_text="txid or bank reference")
    proof = PrivateFileField(folder="deposit_proofs")
    proof_hash = _proof_hash_field()
    proof_duplicate_of = _duplicate_field("self", "earlier deposit")
    proof_duplicate_of_order = _duplicate_field(Order, "order")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_deposits",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta(Timestamped.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=DEPOSIT_MAX), name="deposit_amount_at_most_limit"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", reviewed_at__isnull=True, reviewed_by__isnull=True)
                    | Q(status="approved", reviewed_at__isnull=False, reviewed_by__isnull=False)
                    | (
                        Q(status="rejected", reviewed_at__isnull=False, reviewed_by__isnull=False)
                        & ~Q(rejection_reason="")
                    )
                ),
                name="deposit_review_is_recorded",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self):
        return f"Deposit #{self.pk} ({self.amount})"


class UsedTxid(models.Model):
    """A transaction id claimed by a live order or deposit: unique across both tables.

    A partial unique index cannot span two tables, so the claim is its own row; cancelling the
    order or rejecting the deposit deletes it (``core/proofs.py``).
    """

    key = models.CharField(max_length=200, unique=True, help_text="the normalised txid")
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="used_txid"
    )
    deposit = models.OneToOneField(
        Deposit, on_delete=models.CASCADE, null=True, blank=True, related_name="used_txid"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "used txid"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(order__isnull=False, deposit__isnull=True)
                    | Q(order__isnull=True, deposit__isnull=False)
                ),
                name="used_txid_one_owner",
            )
        ]

    def __str__(self):
        return self.key


class WalletEntry(models.Model):
    """One line of a user's wallet ledger; the balance is the sum of the amounts."""

    class Kind(models.TextChoices):
        DEPOSIT_CREDIT = "deposit_credit", "Deposit credit"
        ORDER_PAYMENT = "order_payment", "Order payment"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"

    user = owner("wallet_entries", on_delete=models.PROTECT)
    amount = MoneyField(help_text="signed")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    deposit = models.ForeignKey(
        Deposit, on_delete=models.PROTECT, null=True, blank=True, related_name="wallet_entries"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="wallet_entries"
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "wallet entries"
        constraints = [
            # The database, not only the service, makes a second credit for a deposit impossible.
            models.UniqueConstraint(
                fields=["deposit"],
                condition=Q(kind="deposit_credit"),
                name="wallet_one_credit_per_deposit",
            ),
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(kind__in=["order_payment", "refund"]),
                name="wallet_one_payment_and_refund_per_order",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=(
                    Q(kind="deposit_credit", deposit__isnull=False, amount__gt=0)
                    | Q(kind="order_payment", order__isnull=False, amount__lt=0)
                    | Q(kind="refund", order__isnull=False, amount__gt=0)
                    | Q(kind="adjustment")
                ),
                name="wallet_entry_kind_matches_link_and_sign",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"
