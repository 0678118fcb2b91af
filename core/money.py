"""Money in whole cents: the model field, the API field, and the store's limits in one table.

SQLite compares NUMERIC as doubles; cents keep every CHECK and SUM exact.
"""

import decimal
from decimal import Decimal

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import DataError, models
from django.db.models.lookups import GreaterThanOrEqual, IntegerFieldOverflow, LessThan
from django.utils.functional import cached_property
from rest_framework import serializers

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The limits, each following from the ones above it (core/tests/test_money.py checks they fit):
# a total is at most PRICE_MAX * QUANTITY_MAX, a full wallet pays the largest order, and every
# amount fits the BIGINT column and a JavaScript number of cents (2**53) with room to spare.
PRICE_MAX = Decimal("9999999999.99")  # as the NUMERIC(12, 2) column allowed: no price lost
QUANTITY_MAX = 1000
ORDER_TOTAL_MAX = PRICE_MAX * QUANTITY_MAX
DEPOSIT_MAX = Decimal("9999999999.99")  # one deposit, as its NUMERIC(12, 2) column allowed
# What approved deposits may bring a wallet to. Refunds are never refused for it: they return
# money the wallet held, and refusing one would trap a cancellation.
BALANCE_MAX = Decimal("9999999999999.99")

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
MONEY_MAX_DIGITS = len(str(BIGINT_MAX))  # 19: every amount the column can hold, as 17 + 2 digits

# Large enough for any amount a request can carry (DRF caps a decimal string at 1,000
# characters); Inexact is trapped so a fraction of a cent raises instead of rounding.
_EXACT = decimal.Context(
    prec=1100, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow]
)


def to_cents(amount: Decimal) -> int:
    """Whole cents of an amount; ``ValueError`` for a fraction of a cent (money never rounds)
    and for what is no number (NaN, infinity)."""
    try:
        return int(amount.scaleb(2, context=_EXACT).to_integral_exact(context=_EXACT))
    except (decimal.DecimalException, OverflowError):
        raise ValueError(f"{amount} is not a whole number of cents") from None


def from_cents(cents: int | Decimal) -> Decimal:
    """``Decimal`` with exactly 2 places (PostgreSQL's SUM of a BIGINT answers a Decimal)."""
    return Decimal(cents).scaleb(-2)


class MoneyField(models.BigIntegerField):
    """A BIGINT of cents in the database; a ``Decimal`` with 2 places everywhere else.

    ``min_value``/``max_value`` are in currency units and become the field's validators and the
    form field's bounds (the admin shows and takes 19.99).
    """

    description = "Money (whole cents in the database)"
    default_error_messages = {
        "invalid": "“%(value)s” must be an amount with at most 2 decimal places.",
    }

    def __init__(self, *args, min_value: Decimal | None = None, max_value=None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for option in ("min_value", "max_value"):
            if getattr(self, option) is not None:
                kwargs[option] = getattr(self, option)
        return name, path, args, kwargs

    @cached_property
    def validators(self):
        # Not IntegerField's range validators: they are in cents, and values arrive in units.
        bounds = []
        if self.min_value is not None:
            bounds.append(validators.MinValueValidator(self.min_value))
        if self.max_value is not None:
            bounds.append(validators.MaxValueValidator(self.max_value))
        return [*self.default_validators, *self._validators, *bounds]

    def from_db_value(self, value, expression, connection):
        return None if value is None else from_cents(value)

    def to_python(self, value):
        if value is None:
            return None
        try:
            # A float through its shortest repr (19.99, not 19.989999…); anything else as given.
            amount = value if isinstance(value, Decimal) else Decimal(str(value))
            return from_cents(to_cents(amount))
        except (ValueError, TypeError, decimal.DecimalException):
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # resolves lazy values
        return None if value is None else to_cents(self.to_python(value))

    def get_db_prep_save(self, value, connection):
        prepared = super().get_db_prep_save(value, connection)
        # The same error on both engines for an amount no BIGINT holds: PostgreSQL raises
        # DataError, SQLite's driver an OverflowError the API would answer with a 500.
        if isinstance(prepared, int) and not BIGINT_MIN <= prepared <= BIGINT_MAX:
            raise DataError(f"{self.name} is out of range: {value}")
        return prepared

    def formfield(self, **kwargs):
        return models.Field.formfield(
            self,
            **{
                "form_class": forms.DecimalField,
                "max_digits": MONEY_MAX_DIGITS,
                "decimal_places": 2,
                "min_value": self.min_value,
                "max_value": self.max_value,
                **kwargs,
            },
        )


# IntegerField rounds a float bound up for these two (price__gte=19.5 would mean 20); an amount
# is not a count, so they take the value as it is. The range check stays.
@MoneyField.register_lookup
class MoneyGreaterThanOrEqual(IntegerFieldOverflow, GreaterThanOrEqual):
    pass


@MoneyField.register_lookup
class MoneyLessThan(IntegerFieldOverflow, LessThan):
    pass


def money_serializer_field(
    *, min_value: Decimal | None = None, max_value: Decimal | None = None, **kwargs
) -> serializers.DecimalField:
    """The API's money field: a decimal string with 2 places, bounded like the model.

    A plain ``DecimalField`` (``FastReadMixin`` compiles exactly that class) with as many digits
    as ``max_value`` has, so the schema's pattern states the limit; without one, as many as the
    column holds, so no stored amount fails to render. ``ModelSerializer`` would map a
    ``MoneyField`` to an integer: declare every money field with this.
    """
    max_digits = MONEY_MAX_DIGITS if max_value is None else len(str(int(max_value))) + 2
    return serializers.DecimalField(
        max_digits=max_digits,
        decimal_places=2,
        min_value=min_value,
        max_value=max_value,
        **kwargs,
    )
