"""Serializer speed for list pages: DRF's ``to_representation`` without its per-field dispatch.

DRF serialises every field of every row through ``field.get_attribute`` (a generic attribute walk
with callable checks) and ``field.to_representation``; for a page of 50 products that is most of
the request (bench/list_throughput.py, profiled). For fields whose answer is the model attribute
itself, ``FastReadMixin`` reads the attribute directly and skips both calls:

* ``CharField``, ``EmailField``, ``SlugField``, ``URLField``, ``ChoiceField``, ``IntegerField``,
  ``BooleanField`` (exactly these classes) whose source is one concrete model field: their
  ``to_representation`` of what the model holds (``str``, ``int``, ``bool``) is the value itself;
* ``PrimaryKeyRelatedField`` over a foreign key: the ``<name>_id`` column, as DRF's pk-only path.

Any other field whose source is one concrete, non-relation model field (decimals, dates, files,
file URLs) still gets DRF's ``field.to_representation``, but of the attribute read directly:
DRF's ``get_attribute`` only adds a call for callables, which such attributes never are. Nested
serializers, properties, methods and dotted sources go through DRF unchanged, and ``None`` stays
``None`` as in DRF. ``ultraminebackend/tests/test_serializers.py``
compares both ways on real rows of every serializer that uses it.
"""

import datetime
from functools import cached_property
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

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
        """(name, getter or None, converter or None) per readable field.

        No getter: DRF's own path (the converter is then the field). A getter and no converter:
        the attribute is the representation. A getter and a converter: ``converter(attribute)``.
        """
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            getter = _direct_getter(model, field)
            if getter is not None:
                plan.append((field.field_name, getter, None))
                continue
            getter = _attribute_getter(model, field)
            if getter is not None:
                convert = _iso_datetime(field) or field.to_representation
                plan.append((field.field_name, getter, convert))
            else:
                plan.append((field.field_name, None, field))
        return plan

    def to_representation(self, instance):
        representation = {}
        for name, getter, convert in self._read_plan:
            if getter is not None:
                if convert is None:
                    representation[name] = getter(instance)
                else:
                    attribute = getter(instance)
                    representation[name] = None if attribute is None else convert(attribute)
                continue
            field = convert
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            representation[name] = None if check is None else field.to_representation(attribute)
        return representation


def _iso_datetime(field):
    """``DateTimeField.to_representation`` for aware datetimes in ISO 8601, without its detours.

    The same steps as DRF's (convert to the current time zone, ``isoformat()``, ``+00:00`` as
    ``Z``) for the common field: exactly ``DateTimeField``, ISO 8601 output, no field time zone,
    ``USE_TZ``. Anything else (strings, naive values, overflow) is left to DRF.
    """
    if type(field) is not serializers.DateTimeField or hasattr(field, "timezone"):
        return None
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601 or not settings.USE_TZ:
        return None
    to_representation = field.to_representation
    current_timezone = timezone.get_current_timezone

    def convert(value):
        if type(value) is datetime.datetime and value.utcoffset() is not None:
            try:
                text = value.astimezone(current_timezone()).isoformat()
            except OverflowError:
                return to_representation(value)  # DRF's validation error
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return to_representation(value)

    return convert


def _attribute_getter(model, field):
    """The model attribute a field reads, when it is one concrete, non-relation model field."""
    if field.source == "*" or len(field.source_attrs) != 1:
        return None
    if isinstance(field, serializers.BaseSerializer | relations.RelatedField):
        return None
    if isinstance(field, relations.ManyRelatedField):
        return None
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.is_relation:
        return None
    return attrgetter(model_field.attname)


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
