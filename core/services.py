"""Store writes: orders, stock, deposits and the wallet ledger. Views and admin actions call these.

Files first, then one short transaction: docs/writes-and-assets.md.
"""

import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone

from ultraminebackend.exceptions import Conflict, field_error
from ultraminebackend.files.storage.modelfields import store_assigned_files
from ultraminebackend.files.storage.undo import undo_on_failure
from ultraminebackend.slugs import SlugRule

from . import proofs
from .models import (
    CATEGORY_NAME_ATTR,
    Category,
    Deposit,
    Order,
    Product,
    ProductImage,
    WalletEntry,
)
from .money import BALANCE_MAX, QUANTITY_MAX, ZERO

logger = logging.getLogger(__name__)
User = get_user_model()

# Order status machine: where each status may go next (a table, not an if-chain).
ORDER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Order.Status.PENDING: (Order.Status.PAID, Order.Status.CANCELLED),
    Order.Status.PAID: (Order.Status.SHIPPED, Order.Status.CANCELLED),
    Order.Status.SHIPPED: (Order.Status.DELIVERED,),
    Order.Status.DELIVERED: (),
    Order.Status.CANCELLED: (),
}


# --- Wallet ---------------------------------------------------------------------------------


def wallet_balance(*, user) -> Decimal:
    """The sum of the ledger: exact, the amounts are whole cents (``core/money.py``)."""
    total = WalletEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"]
    return ZERO if total is None else total


def _lock_wallet(user) -> None:
    # Every ledger write for a user first locks that user's row, so balance checks and the
    # entries that depend on them happen one at a time (PostgreSQL; SQLite serialises writers).
    User.objects.select_for_update().filter(pk=user.pk).first()


def _wallet_debit_for_order(*, order: Order) -> WalletEntry | None:
    """Pay an order from the wallet; a free order touches no wallet (a zero entry means nothing)."""
    if order.total_price == ZERO:
        return None
    _lock_wallet(order.user)
    balance = wallet_balance(user=order.user)
    if balance < order.total_price:
        raise field_error(
            "payment_method",
            f"Insufficient wallet balance: {balance} available, {order.total_price} needed.",
            "insufficient_balance",
        )
    return WalletEntry.objects.create(
        user=order.user,
        amount=-order.total_price,
        kind=WalletEntry.Kind.ORDER_PAYMENT,
        order=order,
        note=f"Payment for order #{order.pk}",
    )


# --- Orders ---------------------------------------------------------------------------------


def _availability(product_id: int) -> dict | None:
    return Product.objects.filter(pk=product_id).values("is_active", "stock").first()


def _unavailable(current: dict | None) -> ValidationError:
    """Why an order of the product is refused: it is inactive (or gone), or the stock is short."""
    if not current or not current["is_active"]:
        return field_error("product", "This product is not available.", "inactive")
    return field_error("quantity", f"Only {current['stock']} left in stock.", "insufficient_stock")


def _take_stock(product_id: int, quantity: int) -> None:
    taken = Product.objects.filter(pk=product_id, is_active=True, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        raise _unavailable(_availability(product_id))


def order_create(
    *,
    user,
    product: Product,
    quantity: int,
    payment_method: str,
    customer_name: str,
    phone: str,
    email: str,
    shipping_address: str,
    txid: str = "",
    image: File | None = None,
    txid_proof: File | None = None,
) -> Order:
    """Place an order: take stock atomically, price it on the server, pay from the wallet if asked.

    Stock is taken with one conditional UPDATE (``stock >= quantity``), which the database
    serialises per row: concurrent orders can never oversell. The files are stored before that,
    so the row lock lasts a few statements, never an upload; an order refused afterwards (stock
    taken meanwhile, the wallet, its txid claimed meanwhile) rolls the stock back and deletes
    them. The quantity cap here and the price cap in the database keep every total within
    ``ORDER_TOTAL_MAX``. A ``txid_proof`` like an earlier proof is flagged (``core/proofs.py``).
    """
    if quantity > QUANTITY_MAX:  # the API's serializer says so too; this holds for every caller
        raise field_error("quantity", f"At most {QUANTITY_MAX} items per order.", "max_value")
    current = _availability(product.pk)  # refused early, before anything is stored
    if not current or not current["is_active"] or current["stock"] < quantity:
        raise _unavailable(current)
    proofs.check_txid_free(txid, field="txid")
    order = Order(
        user=user,
        product_id=product.pk,
        quantity=quantity,
        payment_method=payment_method,
        customer_name=customer_name,
        phone=phone,
        email=email,
        shipping_address=shipping_address,
        txid=txid,
    )
    if image is not None:
        order.image = image
    if txid_proof is not None:
        order.txid_proof, order.txid_proof_hash = proofs.proof_hash(Order, "txid_proof", txid_proof)
    with undo_on_failure():
        store_assigned_files(order)
        if order.txid_proof_hash is not None:
            lookalikes = proofs.earlier_lookalikes(order.txid_proof_hash)
            order.txid_proof_duplicate_of_id = lookalikes["order"]
            order.txid_proof_duplicate_of_deposit_id = lookalikes["deposit"]
        with transaction.atomic():
            _take_stock(product.pk, quantity)
            order.unit_price = Product.objects.values_list("price", flat=True).get(pk=product.pk)
            order.total_price = order.unit_price * quantity
            order.save()
            proofs.claim_txid(txid, field="txid", order=order)
            if payment_method == Order.PaymentMethod.WALLET:
                _wallet_debit_for_order(order=order)
                Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
                order.status = Order.Status.PAID
    logger.info(
        "order created",
        extra={"order_id": order.pk, "user_id": user.pk, "payment_method": payment_method},
    )
    return order


def _lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _restock_and_refund(order: Order) -> None:
    Product.objects.filter(pk=order.product_id).update(stock=F("stock") + order.quantity)
    paid = WalletEntry.objects.filter(order=order, kind=WalletEntry.Kind.ORDER_PAYMENT).first()
    if paid is not None:
        WalletEntry.objects.create(
            user=order.user,
            amount=-paid.amount,
            kind=WalletEntry.Kind.REFUND,
            order=order,
            note=f"Refund for cancelled order #{order.pk}",
        )


@transaction.atomic
def order_set_status(*, order: Order, status: str) -> Order:
    """Move an order along ``ORDER_TRANSITIONS``; cancelling restocks and refunds the wallet."""
    order = _lock_order(order)
    allowed = ORDER_TRANSITIONS[order.status]
    if status not in allowed:
        allowed_text = ", ".join(allowed) if allowed else "none (final status)"
        raise field_error(
            "status",
            f"Cannot change an order from '{order.status}' to '{status}'. Allowed: {allowed_text}.",
            "invalid_transition",
        )
    if status == Order.Status.CANCELLED:
        _restock_and_refund(order)
        proofs.release_txid(order=order)
    previous, order.status = order.status, status
    order.save(update_fields=["status", "updated_at"])
    logger.info(
        "order status changed",
        extra={"order_id": order.pk, "from_status": previous, "to_status": status},
    )
    return order


# What an owner may cancel: anything that has not shipped (a wallet order starts as paid).
OWNER_CANCELLABLE = (Order.Status.PENDING, Order.Status.PAID)


@transaction.atomic
def order_cancel_by_owner(*, order: Order) -> Order:
    """The customer cancels until the order ships: stock goes back, a wallet payment is refunded.

    Payments made outside the wallet (bank transfer, crypto) are refunded by staff, outside the
    API. Staff use ``order_set_status``.
    """
    order = _lock_order(order)
    if order.status not in OWNER_CANCELLABLE:
        raise field_error(
            "status",
            f"Only pending or paid orders can be cancelled; this one is '{order.status}'.",
            "not_cancellable",
        )
    return order_set_status(order=order, status=Order.Status.CANCELLED)


# --- Deposits -------------------------------------------------------------------------------


def deposit_create(*, user, amount: Decimal, method: str, reference: str, proof: File) -> Deposit:
    """A pending deposit; its proof is stored first, and deleted if the row cannot be written.

    A crypto deposit's ``reference`` is its txid, used once (400 naming ``reference``); a proof
    like an earlier one is flagged (``core/proofs.py``).
    """
    txid = proofs.deposit_txid(method=method, reference=reference)
    proofs.check_txid_free(txid, field="reference")
    deposit = Deposit(user=user, amount=amount, method=method, reference=reference)
    deposit.proof, deposit.proof_hash = proofs.proof_hash(Deposit, "proof", proof)
    with undo_on_failure():
        store_assigned_files(deposit)
        lookalikes = proofs.earlier_lookalikes(deposit.proof_hash)
        deposit.proof_duplicate_of_id = lookalikes["deposit"]
        deposit.proof_duplicate_of_order_id = lookalikes["order"]
        with transaction.atomic():
            deposit.save()
            proofs.claim_txid(txid, field="reference", deposit=deposit)
    return deposit


def _lock_pending_deposit(deposit: Deposit) -> Deposit:
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    if deposit.status != Deposit.Status.PENDING:
        raise Conflict(
            f"Deposit #{deposit.pk} was already {deposit.status}; a review is final.",
            code="already_reviewed",
        )
    return deposit


@transaction.atomic
def deposit_approve(*, deposit: Deposit, reviewer) -> Deposit:
    """Approve and credit the wallet exactly once, even when staff click twice at once.

    The row lock makes concurrent approvals queue; the second sees "approved" and gets a 409.
    The unique constraint on the credit is the database's own guarantee behind the lock.
    """
    deposit = _lock_pending_deposit(deposit)
    _lock_wallet(deposit.user)
    balance = wallet_balance(user=deposit.user)
    if balance + deposit.amount > BALANCE_MAX:
        # The deposit stays pending: staff may reject it, or approve once the wallet is spent.
        raise field_error(
            "amount",
            f"Approving would bring the wallet to {balance + deposit.amount}; "
            f"a wallet holds at most {BALANCE_MAX}.",
            "balance_limit",
        )
    deposit.status = Deposit.Status.APPROVED
    deposit.reviewed_by = reviewer
    deposit.reviewed_at = timezone.now()
    deposit.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    try:
        WalletEntry.objects.create(
            user=deposit.user,
            amount=deposit.amount,
            kind=WalletEntry.Kind.DEPOSIT_CREDIT,
            deposit=deposit,
            note=f"Deposit #{deposit.pk} approved",
        )
    except IntegrityError:  # pragma: no cover - only reachable if the lock were bypassed
        raise Conflict("This deposit was already credited.", code="already_credited") from None
    logger.info(
        "deposit approved",
        extra={"deposit_id": deposit.pk, "reviewer_id": reviewer.pk, "user_id": deposit.user_id},
    )
    return deposit


@transaction.atomic
def deposit_reject(*, deposit: Deposit, reviewer, reason: str) -> Deposit:
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "A reason is required to reject.", "required")
    deposit = _lock_pending_deposit(deposit)
    deposit.status = Deposit.Status.REJECTED
    deposit.reviewed_by = reviewer
    deposit.reviewed_at = timezone.now()
    deposit.rejection_reason = reason
    deposit.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"]
    )
    proofs.release_txid(deposit=deposit)  # the txid may be submitted again, with a better proof
    logger.info(
        "deposit rejected",
        extra={"deposit_id": deposit.pk, "reviewer_id": reviewer.pk, "user_id": deposit.user_id},
    )
    return deposit


# --- Catalogue ----------------------------------------------------------------------------

CATEGORY_SLUGS = SlugRule(
    source="name",
    fallback="category",
    taken_message="A category with the slug '%(slug)s' exists.",
)
PRODUCT_SLUGS = SlugRule(
    source="name",
    fallback="product",
    taken_message="A product with the slug '%(slug)s' exists.",
)


def _create_with_slug(model, rule: SlugRule, *, slug: str, fields: dict):
    row = model(**fields)
    rule.assign(row, slug)  # a taken slug is refused before anything is stored
    with undo_on_failure():
        store_assigned_files(row)
        rule.save(row, chosen=bool(slug))
    return row


def _update_with_slug(row, rule: SlugRule, data: dict):
    data = dict(data)
    rule.assign(row, data.pop("slug", ""))  # blank or missing keeps the slug (and its URLs)
    for name, value in data.items():
        setattr(row, name, value)
    with undo_on_failure():
        store_assigned_files(row)
        rule.save(row, chosen=True)
    return row


@transaction.atomic
def category_create(*, name: str, slug: str = "", **fields) -> Category:
    """A category; the slug is made from the name when left out (``rigs``, ``rigs-2``…)."""
    return _create_with_slug(Category, CATEGORY_SLUGS, slug=slug, fields={"name": name, **fields})


@transaction.atomic
def category_update(*, category: Category, data: dict) -> Category:
    """Change the fields in ``data``; a given slug must be free (400 naming ``slug``)."""
    return _update_with_slug(category, CATEGORY_SLUGS, data)


def product_create(*, name: str, slug: str = "", **fields) -> Product:
    """A product; the slug is made from the name when left out (``s21``, ``s21-2``…).

    ``fields`` are the model's (price, stock, category, is_active, image…); what is left out
    takes the model's default. The image is stored before the row; a failure deletes it.
    """
    return _create_with_slug(Product, PRODUCT_SLUGS, slug=slug, fields={"name": name, **fields})


def product_update(*, product: Product, data: dict) -> Product:
    """Change the fields in ``data``; a replaced image goes after the commit."""
    if "category" in data:  # the list's annotated name would answer the old category's
        product.__dict__.pop(CATEGORY_NAME_ATTR, None)
    return _update_with_slug(product, PRODUCT_SLUGS, data)


# --- Product gallery ------------------------------------------------------------------------
#
# The rule: the gallery's first image (position 0) is its primary, so the order says which picture
# is the product's and ``is_primary`` can never disagree with it. Positions are kept 0..n-1; every
# change below writes the new order with ``_write_gallery``, under a lock on the product's row so
# concurrent edits of one gallery queue (the partial unique index on the primary backs it up).


def _lock_gallery(product_id: int) -> list[ProductImage]:
    """Lock the product's row (gallery edits queue on it) and read its gallery in order."""
    Product.objects.select_for_update().filter(pk=product_id).first()
    return list(ProductImage.objects.filter(product_id=product_id).order_by("position", "id"))


def _write_gallery(ordered: list[ProductImage]) -> list[ProductImage]:
    """Store this order: positions 0..n-1 and the first image primary; only changed rows."""
    before = {image.pk: (image.position, image.is_primary) for image in ordered}
    for position, image in enumerate(ordered):
        image.position, image.is_primary = position, position == 0
    changed = [image for image in ordered if before[image.pk] != (image.position, image.is_primary)]
    # One primary per product at every moment (the partial unique index checks each row as it is
    # written): the old primary lets go in its own statement before the new one takes over.
    demoted = [image for image in changed if before[image.pk][1] and not image.is_primary]
    rest = [image for image in changed if not (before[image.pk][1] and not image.is_primary)]
    ProductImage.objects.bulk_update(demoted, ["position", "is_primary"])
    ProductImage.objects.bulk_update(rest, ["position", "is_primary"])
    return ordered


def product_image_add(
    *, product: Product, image: File, alt_text: str = "", is_primary: bool = False
) -> ProductImage:
    """Add an image at the end of the gallery, or at the front (the primary) with ``is_primary``.

    The first image of an empty gallery is the primary whatever ``is_primary`` says. The file is
    stored before the gallery is locked, so concurrent edits of the gallery never wait for it.
    """
    added = ProductImage(product=product, image=image, alt_text=alt_text)
    with undo_on_failure():
        store_assigned_files(added)
        with transaction.atomic():
            gallery = _lock_gallery(product.pk)
            added.is_primary, added.position = not gallery, len(gallery)
            added.save()
            if is_primary and gallery:
                _write_gallery([added, *gallery])
    return added


def _in_gallery(gallery: list[ProductImage], gallery_image: ProductImage) -> ProductImage:
    found = next((image for image in gallery if image.pk == gallery_image.pk), None)
    if found is None:  # deleted by a request that held the lock before us
        raise Http404("No ProductImage matches the given query.")
    return found


@transaction.atomic
def product_image_update(
    *, gallery_image: ProductImage, alt_text: str | None = None, is_primary: bool | None = None
) -> ProductImage:
    """Change the alt text; ``is_primary=True`` moves the image to the front of the gallery.

    ``is_primary=False`` on the primary is a 400: the first image is the primary, so say which
    image should be (make it primary, or reorder) rather than leave the gallery without one.
    """
    gallery = _lock_gallery(gallery_image.product_id)
    current = _in_gallery(gallery, gallery_image)
    if is_primary is False and current is gallery[0]:
        raise field_error(
            "is_primary",
            "The gallery's first image is its primary. Make another image primary "
            "or reorder the gallery instead.",
            "primary_is_first",
        )
    if is_primary:
        _write_gallery([current, *(image for image in gallery if image is not current)])
    if alt_text is not None:
        current.alt_text = alt_text
        current.save(update_fields=["alt_text"])
    return current


@transaction.atomic
def product_image_delete(*, gallery_image: ProductImage) -> None:
    """Remove an image; the next one moves up (deleting the primary promotes the second).

    The file goes after the commit (``ultraminebackend.files.storage.cleanup``).
    """
    gallery = _lock_gallery(gallery_image.product_id)
    current = _in_gallery(gallery, gallery_image)
    current.delete()
    _write_gallery([image for image in gallery if image is not current])


@transaction.atomic
def product_images_reorder(*, product: Product, ordered_ids: list[int]) -> list[ProductImage]:
    """Set the gallery order from a list naming every image of the product once.

    The first image named becomes the primary.
    """
    gallery = _lock_gallery(product.pk)
    images = {image.pk: image for image in gallery}
    if sorted(ordered_ids) != sorted(images) or len(set(ordered_ids)) != len(ordered_ids):
        raise field_error(
            "order",
            f"Give every image id of this product exactly once: {sorted(images)}.",
            "invalid_order",
        )
    return _write_gallery([images[pk] for pk in ordered_ids])


@transaction.atomic
def product_gallery_settle(*, product: Product) -> list[ProductImage]:
    """Put a gallery edited directly (the admin's inline) back under the rule, keeping its order."""
    return _write_gallery(_lock_gallery(product.pk))
