"""Every money amount the API answers, in every app, is a decimal string: a MoneyField (whole
cents in a BigIntegerField) mapped by ModelSerializer's default would answer an integer."""

import importlib

from rest_framework import serializers

from core.money import MoneyField

PROJECT_APPS = ("accounts", "ai_agent", "content", "core")


def _project_serializers():
    """Every ModelSerializer class the project's apps define."""
    for app in PROJECT_APPS:
        importlib.import_module(f"{app}.serializers")
    pending, found = [serializers.ModelSerializer], []
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in PROJECT_APPS:
                found.append(subclass)
    return found


def test_every_api_money_field_is_a_decimal_string():
    # ModelSerializer maps a MoneyField (a BigIntegerField) to an integer: 19.99 would be 19.
    checked = 0
    for serializer_class in _project_serializers():
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None:
            continue
        for name, field in serializer_class().fields.items():
            source = field.source if field.source != "*" else name
            model_field = next((f for f in model._meta.concrete_fields if f.name == source), None)
            if isinstance(model_field, MoneyField):
                assert type(field) is serializers.DecimalField, (serializer_class, name)
                assert field.decimal_places == 2
                checked += 1
    assert checked >= 5  # price, unit_price, total_price, deposit and ledger amounts
