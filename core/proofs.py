"""Payment-proof checks: proofs that look like earlier ones, and transaction ids used twice.

A proof close to an earlier one (perceptual hash within ``PROOF_HASH_THRESHOLD`` bits) is
accepted and flagged for staff: a re-saved, cropped or rescaled receipt is a hint, not proof of
fraud. A txid claimed by a live order or deposit is refused; the database holds that rule
(``UsedTxid.key`` is unique), so two requests racing with one txid cannot both succeed.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, F, Func, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from ultraminebackend.files.processing import fingerprint

from .models import Deposit, Order, UsedTxid

# Hex transaction hashes (Bitcoin, Ethereum…) are the same hash in either case, with or without
# Ethereum's 0x; other ids (base58 signatures, bank references) are compared as typed.
_HEX_TXID = re.compile(r"(?:0x)?([0-9a-fA-F]{16,})")


# --- Perceptual duplicates -------------------------------------------------------------------


def proof_hash(model, field_name: str, file: File) -> tuple[File, int]:
    """The file after the intake (run now unless already run), and its signed 64-bit hash.

    Called before the transaction: the decode is the slow part and must not hold a row lock.
    """
    prepared = model._meta.get_field(field_name).prepare(file)
    value = prepared.fingerprint
    if value is None:  # an intake that was not asked for one (another upload path)
        value = fingerprint.file_hash(prepared.file)
    return prepared, fingerprint.to_signed(value)


class _Hamming(Func):
    """PostgreSQL: the number of bits two BIGINT hashes differ in (``#`` is XOR)."""

    template = "bit_count((%(expressions)s)::bit(64))"
    arg_joiner = " # "
    output_field = IntegerField()


def _earliest_close(queryset, column: str, value: int) -> int | None:
    """Id of the earliest row whose hash is within the threshold, among the newest scanned.

    A scan, not an index lookup: a Hamming ball has no B-tree order. The newest
    ``PROOF_HASH_SCAN_LIMIT`` rows of the kind are compared, in SQL on PostgreSQL (``bit_count``,
    PostgreSQL 14+, which Django 5.2 requires) and in Python elsewhere; bench/README.md has the
    figures.
    """
    threshold = settings.PROOF_HASH_THRESHOLD
    rows = queryset.exclude(**{column: None})
    oldest_scanned = rows.order_by("-id").values_list("id", flat=True)[
        settings.PROOF_HASH_SCAN_LIMIT - 1 :
    ][:1]
    rows = rows.filter(id__gte=Coalesce(Subquery(oldest_scanned), Value(0)))
    if connection.vendor == "postgresql":
        hamming = _Hamming(F(column), Value(value, output_field=BigIntegerField()))
        close = rows.annotate(hamming=hamming).filter(hamming__lte=threshold)
        return close.order_by("id").values_list("id", flat=True).first()
    earliest = None
    for pk, other in rows.order_by("-id").values_list("id", column).iterator(chunk_size=5000):
        if fingerprint.distance(value, other) <= threshold:
            earliest = pk  # newest first, so the last match is the earliest
    return earliest


def earlier_lookalikes(value: int) -> dict[str, int | None]:
    """The earliest order and the earliest deposit whose proof looks like ``value``."""
    return {
        "order": _earliest_close(Order.objects.all(), "txid_proof_hash", value),
        "deposit": _earliest_close(Deposit.objects.all(), "proof_hash", value),
    }


# --- Transaction ids used once ---------------------------------------------------------------


def txid_key(value: str) -> str:
    """What two txids are compared by: trimmed; hex hashes lower-case without ``0x``."""
    value = value.strip()
    hex_match = _HEX_TXID.fullmatch(value)
    return hex_match.group(1).lower() if hex_match else value


def deposit_txid(*, method: str, reference: str) -> str:
    """The txid a deposit claims: a crypto deposit's reference; bank references are free text."""
    return reference if method == Deposit.Method.CRYPTO else ""


def _in_use(field: str) -> ValidationError:
    # Which record holds it is not said: it may be another user's.
    return ValidationError(
        {
            field: ValidationError(
                "This transaction id was already submitted with another order or deposit.",
                code="txid_in_use",
            )
        }
    )


def check_txid_free(txid: str, *, field: str) -> None:
    """Refuse early, before any file is stored; ``claim_txid`` is what holds under races."""
    if txid and UsedTxid.objects.filter(key=txid_key(txid)).exists():
        raise _in_use(field)


def claim_txid(txid: str, *, field: str, order=None, deposit=None) -> None:
    """Claim ``txid`` for the row just written, in the caller's transaction (400 if taken).

    The unique index makes a concurrent claim of the same key wait for ours to commit or roll
    back, then fail: exactly one of two racing requests keeps the txid.
    """
    if not txid:
        return
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            UsedTxid.objects.create(key=txid_key(txid), order=order, deposit=deposit)
    except IntegrityError:
        raise _in_use(field) from None


def release_txid(*, order=None, deposit=None) -> None:
    """Free the txid of a cancelled order or a rejected deposit for another submission."""
    if order is not None:
        UsedTxid.objects.filter(order=order).delete()
    if deposit is not None:
        UsedTxid.objects.filter(deposit=deposit).delete()
