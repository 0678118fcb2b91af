"""Money columns from NUMERIC to whole cents in a BIGINT (``core/money.py`` says why).

Each column is copied into a new one as ``ROUND(amount * 100)``, the old one dropped and the new
one renamed, with the CHECK constraints that read them dropped around the copy and added back
(now integer comparisons); the price and deposit limits become CHECKs too. One UPDATE per table
on both engines; on SQLite the old value is a double, and ``ROUND`` recovers the cents exactly for
every amount a NUMERIC(14, 2) holds. The old columns become nullable before they go, so the
migration also runs backwards.
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import F, Q

import core.money

# (model, field, the NUMERIC column's options, the MoneyField it becomes)
MONEY_COLUMNS = [
    (
        "product",
        "price",
        {"max_digits": 12},
        core.money.MoneyField(max_value=Decimal("9999999999.99"), min_value=Decimal("0.00")),
    ),
    ("order", "unit_price", {"max_digits": 12}, core.money.MoneyField()),
    ("order", "total_price", {"max_digits": 14}, core.money.MoneyField()),
    (
        "deposit",
        "amount",
        {"max_digits": 12},
        core.money.MoneyField(max_value=Decimal("9999999999.99"), min_value=Decimal("0.01")),
    ),
    (
        "walletentry",
        "amount",
        {"max_digits": 14, "help_text": "signed"},
        core.money.MoneyField(help_text="signed"),
    ),
]
CENTS = "{}_cents"

CONSTRAINTS = [
    (
        "product",
        models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
    ),
    (
        "order",
        models.CheckConstraint(
            condition=Q(total_price=F("unit_price") * F("quantity")),
            name="order_total_is_unit_price_times_quantity",
        ),
    ),
    ("deposit", models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive")),
    (
        "walletentry",
        models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_amount_not_zero"),
    ),
    (
        "walletentry",
        models.CheckConstraint(
            condition=(
                Q(kind="deposit_credit", deposit__isnull=False, amount__gt=0)
                | Q(kind="order_payment", order__isnull=False, amount__lt=0)
                | Q(kind="refund", order__isnull=False, amount__gt=0)
                | Q(kind="adjustment")
            ),
            name="wallet_entry_kind_matches_link_and_sign",
        ),
    ),
]


# New: the limits of core/money.py. Every stored row meets them, since the NUMERIC(12, 2) columns
# held at most these amounts.
LIMITS = [
    (
        "product",
        models.CheckConstraint(
            condition=Q(price__lte=Decimal("9999999999.99")), name="product_price_at_most_limit"
        ),
    ),
    (
        "deposit",
        models.CheckConstraint(
            condition=Q(amount__lte=Decimal("9999999999.99")), name="deposit_amount_at_most_limit"
        ),
    ),
]


def copy_sql(*, to_cents):
    """One UPDATE per table, setting all its money columns at once.

    A second UPDATE of a row in the same transaction would queue PostgreSQL's deferred foreign
    key checks (the row is then "ours"), and the ALTER TABLE after it would fail on them.
    """
    tables = {}
    for model, field, _, _ in MONEY_COLUMNS:
        cents = CENTS.format(field)
        if to_cents:
            assignment = f'"{cents}" = CAST(ROUND("{field}" * 100) AS BIGINT)'
        else:
            assignment = f'"{field}" = "{cents}" / 100.0'  # not / 100: integer division
        tables.setdefault(f"core_{model}", []).append(assignment)
    return [f'UPDATE "{table}" SET {", ".join(sets)}' for table, sets in tables.items()]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_product_newest_index"),
    ]

    operations = [
        *(
            migrations.RemoveConstraint(model_name=model, name=constraint.name)
            for model, constraint in CONSTRAINTS
        ),
        # Nullable first, so that going backwards can add the column again to a filled table.
        *(
            migrations.AlterField(
                model_name=model,
                name=field,
                field=models.DecimalField(decimal_places=2, null=True, **numeric),
            )
            for model, field, numeric, _ in MONEY_COLUMNS
        ),
        *(
            migrations.AddField(
                model_name=model,
                name=CENTS.format(field),
                field=core.money.MoneyField(null=True),
            )
            for model, field, _, _ in MONEY_COLUMNS
        ),
        migrations.RunSQL(sql=copy_sql(to_cents=True), reverse_sql=copy_sql(to_cents=False)),
        *(
            migrations.RemoveField(model_name=model, name=field)
            for model, field, _, _ in MONEY_COLUMNS
        ),
        *(
            migrations.RenameField(model_name=model, old_name=CENTS.format(field), new_name=field)
            for model, field, _, _ in MONEY_COLUMNS
        ),
        *(
            migrations.AlterField(model_name=model, name=field, field=money)
            for model, field, _, money in MONEY_COLUMNS
        ),
        *(
            migrations.AddConstraint(model_name=model, constraint=constraint)
            for model, constraint in CONSTRAINTS + LIMITS
        ),
    ]
