"""Serializer speed for list pages: DRF's ``to_representation`` without its per-field dispatch.

DRF serialises every field of every row through ``field.get_attribute`` (a generic attribute walk
with callable checks) and ``field.to_representation``; for a page of 50 products that is most of
the request (bench/list_throughput.py, profiled). For fields whose answer is the model attribute
itself, ``FastReadMixin`` reads the attribute directly and skips both calls:

* ``CharField``, ``EmailField``, ``SlugField``, ``URLField``, ``ChoiceField``, ``IntegerField``,
  ``BooleanField`` (exactly these classes) whose source is one concrete model field: their
  ``to_representation`` of what the model holds (``str``, ``int``, ``bool``) is the value itself;
* ``PrimaryKeyRelatedField`` over a foreign key: the ``<name>_id`` column, as DRF's pk-only path.

Every other field (decimals, dates, nested serializers, URLs, dotted sources) goes through DRF
unchanged, and ``None`` stays ``None`` as in DRF. ``ultraminebackend/tests/test_serializers.py``
compares both ways on real rows of every serializer that uses it.
"""

from functools import cached_property
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_VALUE_IS_REPRESENTATION = frozenset(
    {
        serializers.CharField,
        serializers.EmailField,
        serializers.SlugField,
        serializers.URLField,
        serializers.ChoiceField,
        serializers.IntegerField,
        serializers.BooleanField,
    }
)


class FastReadMixin:
    """For ``ModelSerializer`` subclasses: plain model attributes skip DRF's dispatch."""

    @cached_property
    def _read_plan(self) -> list[tuple[str, object, object]]:
        """(name, getter or None, field) per readable field; a getter means the fast path."""
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            plan.append((field.field_name, _direct_getter(model, field), field))
        return plan

    def to_representation(self, instance):
        representation = {}
        for name, getter, field in self._read_plan:
            if getter is not None:
                representation[name] = getter(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            representation[name] = None if check is None else field.to_representation(attribute)
        return representation


def _direct_getter(model, field):
    if field.source == "*" or len(field.source_attrs) != 1:
        return None
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None  # a property or method: DRF may call it
    if type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
        if isinstance(model_field, models.ForeignKey):
            return attrgetter(model_field.attname)
        return None
    if type(field) in _VALUE_IS_REPRESENTATION and model_field.concrete:
        if model_field.is_relation:
            return None
        return attrgetter(model_field.attname)
    return None
