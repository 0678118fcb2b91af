"""Serializer speed for list pages: one read plan per serializer class, compiled once.

Any other class is DRF's own serializer; core/tests/test_fast_read.py compares the two.
"""

import datetime
from functools import partial
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.db.models.manager import BaseManager
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.serializers import LIST_SERIALIZER_KWARGS, LIST_SERIALIZER_KWARGS_REMOVE
from rest_framework.settings import api_settings

from ultraminebackend import formdata
from ultraminebackend.files.storage.fields import RequestUrlField
from ultraminebackend.files.storage.modelfields import stored_name_getter

_VALUE_IS_REPRESENTATION = frozenset(
    {
        serializers.CharField,
        serializers.EmailField,
        serializers.SlugField,
        serializers.URLField,
        serializers.ChoiceField,
        serializers.IntegerField,
        serializers.BooleanField,
        formdata.BooleanField,
    }
)


# Fields whose to_representation reads only its argument and the field's own options (never the
# serializer's context or parent), so one prototype can serve every request.
_CONTEXT_FREE = _VALUE_IS_REPRESENTATION | {
    serializers.BigIntegerField,  # int, or str with coerce_to_string: either way its own option
    serializers.DecimalField,
    serializers.DateTimeField,
    serializers.DateField,
    serializers.FloatField,
    serializers.UUIDField,
    serializers.JSONField,
    serializers.ReadOnlyField,
    relations.PrimaryKeyRelatedField,
}

# Kinds of compiled plan entries (see _compile_field).
_VALUE, _CONVERT, _DATETIME, _URL, _FIELD, _MANY = range(6)


class FastReadMixin:
    """For ``ModelSerializer`` subclasses: rows rendered by the class's compiled plan.

    A class whose fields cannot all be compiled (see ``_compile_field``) is DRF's own
    serializer, unchanged.
    """

    @classmethod
    def many_init(cls, *args, **kwargs):
        """``many=True``: a ``FastListSerializer`` unless ``Meta`` names a list class.

        DRF's own ``many_init`` with that one class swapped in (DRF suggests overriding it).
        """
        if hasattr(getattr(cls, "Meta", None), "list_serializer_class"):
            return super().many_init(*args, **kwargs)
        list_kwargs = {}
        for key in LIST_SERIALIZER_KWARGS_REMOVE:
            value = kwargs.pop(key, None)
            if value is not None:
                list_kwargs[key] = value
        list_kwargs["child"] = cls(*args, **kwargs)
        list_kwargs.update({key: kwargs[key] for key in LIST_SERIALIZER_KWARGS if key in kwargs})
        return FastListSerializer(*args, **list_kwargs)

    def to_representation(self, instance):
        plan = _compiled_plan(type(self))
        if plan is None:
            return super().to_representation(instance)
        request = self.context.get("request")
        return _render(plan, instance, request, timezone.get_current_timezone())


class FastListSerializer(serializers.ListSerializer):
    """``many=True`` of a ``FastReadMixin`` serializer (``FastReadMixin.many_init``).

    With a compiled plan, a page is rendered with the request and the time zone looked up once,
    not once per row (the time zone is a context-local read, twice a row).
    """

    def to_representation(self, data):
        child_class = type(self.child)
        plan = _compiled_plan(child_class) if _renders_by_plan(child_class) else None
        if plan is None:
            return super().to_representation(data)  # the child's own to_representation per row
        rows = data.all() if isinstance(data, BaseManager) else data
        request = self.context.get("request")
        zone = timezone.get_current_timezone()
        return [_render(plan, row, request, zone) for row in rows]


def _renders_by_plan(serializer_class) -> bool:
    """The class's answer for a row is its plan's: it adds nothing on top of ours."""
    return (
        issubclass(serializer_class, FastReadMixin)
        and serializer_class.to_representation is FastReadMixin.to_representation
    )


_compiled_plans: dict[type, tuple | None] = {}


def _compiled_plan(serializer_class) -> tuple | None:
    """The class's shared plan, or ``None`` when a field needs the serializer instance."""
    try:
        return _compiled_plans[serializer_class]
    except KeyError:
        plan = _compiled_plans[serializer_class] = _compile(serializer_class)
        return plan


@receiver(setting_changed)
def _forget_compiled_plans(**kwargs):
    # Plans capture field options read from settings (decimal coercion, file URL style, time zone).
    _compiled_plans.clear()


def _compile(serializer_class) -> tuple | None:
    if (
        serializer_class.get_fields is not serializers.ModelSerializer.get_fields
        or serializer_class.__init__ is not serializers.BaseSerializer.__init__
    ):
        return None  # fields may differ per instance
    prototype = serializer_class()
    model = serializer_class.Meta.model
    plan = []
    for field in prototype._readable_fields:
        entry = _compile_field(model, field)
        if entry is None:
            return None
        plan.append(entry)
    return tuple(plan)


def _compile_field(model, field) -> tuple | None:
    """``(name, kind, getter, function, nested plan)`` for a field, or ``None``."""
    name = field.field_name
    getter = _direct_getter(model, field)
    if getter is not None:
        return (name, _VALUE, getter, None, None)
    file_field = _file_model_field(model, field)
    if isinstance(field, RequestUrlField):
        if file_field is not None and field.url_of_name is not None:
            # The stored name, not a FieldFile built per row, and the storage bound now.
            url_of_name = partial(field.url_of_name, file_field.storage)
            return (name, _URL, stored_name_getter(file_field.attname), url_of_name, None)
        getter = _whole_instance if field.source == "*" else _attribute_getter(model, field)
        return None if getter is None else (name, _URL, getter, field.url_of, None)
    if file_field is not None and _is_file_name_field(field):
        return (name, _VALUE, stored_name_getter(file_field.attname), None, None)
    if isinstance(field, serializers.ListSerializer):
        child = type(field.child)
        # A child that adds to its rows (its own to_representation) is not inlined: the class
        # stays on DRF's path, which calls the child per row.
        nested = _compiled_plan(child) if _renders_by_plan(child) else None
        return None if nested is None else (name, _MANY, None, field, nested)
    if type(field) in _CONTEXT_FREE or _is_file_name_field(field):
        getter = _attribute_getter(model, field)
        if getter is None:  # a property, an annotation, a dotted source: DRF's attribute walk
            return (name, _FIELD, None, field, None)
        in_zone = _iso_datetime_in(field)
        if in_zone is not None:
            return (name, _DATETIME, getter, in_zone, None)
        return (name, _CONVERT, getter, field.to_representation, None)
    return None


def _source_model_field(model, field):
    """The model field a serializer field reads as a whole (``source="name"``), or ``None`` for
    the whole instance, a dotted source, or a property or method (DRF may call it)."""
    if field.source == "*" or len(field.source_attrs) != 1:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def _file_model_field(model, field) -> models.FileField | None:
    """The model's file field a serializer field reads as a whole (``source="image"``)."""
    model_field = _source_model_field(model, field)
    return model_field if isinstance(model_field, models.FileField) else None


def _whole_instance(instance):
    return instance


def _is_file_name_field(field) -> bool:
    """A DRF file field that answers the stored name (with a URL it would need the request)."""
    return isinstance(field, serializers.FileField) and not getattr(
        field, "use_url", api_settings.UPLOADED_FILES_USE_URL
    )


def _render(plan: tuple, instance, request, zone) -> dict:
    representation = {}
    for name, kind, getter, function, nested in plan:
        if kind == _VALUE:
            representation[name] = getter(instance)
            continue
        if kind < _FIELD:  # _CONVERT, _DATETIME, _URL: a function of the attribute
            attribute = getter(instance)
            if attribute is None:
                representation[name] = None
            elif kind == _CONVERT:
                representation[name] = function(attribute)
            elif kind == _DATETIME:
                representation[name] = function(attribute, zone)
            else:
                representation[name] = function(attribute, request)
            continue
        try:  # _FIELD and _MANY: DRF's attribute walk, with its defaults and SkipField
            attribute = function.get_attribute(instance)
        except SkipField:
            continue
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        if check is None:
            representation[name] = None
        elif kind == _FIELD:
            representation[name] = function.to_representation(attribute)
        else:
            rows = attribute.all() if isinstance(attribute, BaseManager) else attribute
            representation[name] = [_render(nested, row, request, zone) for row in rows]
    return representation


def _iso_datetime_in(field):
    """``DateTimeField.to_representation`` for aware datetimes in ISO 8601, without its detours.

    ``convert(value, zone)``, the current time zone looked up once a page. The same steps as
    DRF's for the common field (exactly ``DateTimeField``, ISO 8601, no field time zone,
    ``USE_TZ``); strings, naive values and overflow are left to DRF.
    """
    if type(field) is not serializers.DateTimeField or hasattr(field, "timezone"):
        return None
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601 or not settings.USE_TZ:
        return None
    to_representation = field.to_representation

    def convert(value, zone):
        if type(value) is datetime.datetime and value.utcoffset() is not None:
            try:
                text = value.astimezone(zone).isoformat()
            except OverflowError:
                return to_representation(value)  # DRF's validation error
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return to_representation(value)

    return convert


def _attribute_getter(model, field):
    """The model attribute a field reads, when it is one concrete, non-relation model field."""
    if isinstance(field, serializers.BaseSerializer | relations.RelatedField):
        return None
    if isinstance(field, relations.ManyRelatedField):
        return None
    model_field = _source_model_field(model, field)
    if model_field is None or not model_field.concrete or model_field.is_relation:
        return None
    return attrgetter(model_field.attname)


def _direct_getter(model, field):
    model_field = _source_model_field(model, field)
    if model_field is None:
        return None
    if type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
        if isinstance(model_field, models.ForeignKey):
            return attrgetter(model_field.attname)
        return None
    if type(field) in _VALUE_IS_REPRESENTATION and model_field.concrete:
        if model_field.is_relation:
            return None
        return attrgetter(model_field.attname)
    return None
