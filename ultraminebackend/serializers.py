"""Serializer speed for list pages: DRF's ``to_representation`` without its per-field dispatch.

DRF serialises every field of every row through ``field.get_attribute`` (a generic attribute walk
with callable checks) and ``field.to_representation``; for a page of 50 products that is most of
the request (bench/list_throughput.py, profiled). For fields whose answer is the model attribute
itself, ``FastReadMixin`` reads the attribute directly and skips both calls:

* ``CharField``, ``EmailField``, ``SlugField``, ``URLField``, ``ChoiceField``, ``IntegerField``,
  ``BooleanField`` (exactly these classes, and our form-safe ``formdata.BooleanField``, which
  only reads input differently) whose source is one concrete model field: their
  ``to_representation`` of what the model holds (``str``, ``int``, ``bool``) is the value itself;
* ``PrimaryKeyRelatedField`` over a foreign key: the ``<name>_id`` column, as DRF's pk-only path.

Any other field whose source is one concrete, non-relation model field (decimals, dates, files,
file URLs) still gets DRF's ``field.to_representation``, but of the attribute read directly:
DRF's ``get_attribute`` only adds a call for callables, which such attributes never are. Nested
serializers, properties, methods and dotted sources go through DRF unchanged, and ``None`` stays
``None`` as in DRF.

DRF also builds every field of a serializer anew for each request (``get_fields``, deep copies:
~0.9 ms for a product and its gallery, as much as serialising 20 rows). When every readable field
of a class is context-free (its output depends only on the value and its own options: the classes
in ``_CONTEXT_FREE``), a URL field (``RequestUrlField``: the request is an argument) or a nested
list of such a class, the plan is compiled once per class from a prototype instance and shared:
rows are then serialised without the serializer's fields ever being built. Any other field (a
``SerializerMethodField``, a hyperlink) keeps the per-instance plan.

In a compiled plan, file names and file URLs are read from the stored name
(``modelfields.stored_name_getter``, ``links.name_url``): Django builds a FieldFile on a file
field's first access, three per image on a list page. ``many=True`` gives a ``FastListSerializer``,
which looks the request and the time zone up once per page instead of once per row.
``core/tests/test_fast_read.py`` compares both ways with DRF's own on real rows of every
serializer that uses it.
"""

import datetime
from functools import cached_property, partial
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
from rest_framework.settings import api_settings

from ultraminebackend import formdata
from ultraminebackend.files.fields import RequestUrlField
from ultraminebackend.files.modelfields import stored_name_getter

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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = getattr(cls, "Meta", None)
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = FastListSerializer

    def to_representation(self, instance):
        compiled = _compiled_plan(type(self))
        if compiled is not None:
            request = self.context.get("request")
            return _render(compiled, instance, request, timezone.get_current_timezone())
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


class FastListSerializer(serializers.ListSerializer):
    """``many=True`` of a ``FastReadMixin`` serializer (its default ``list_serializer_class``).

    With a compiled plan, a page is rendered with the request and the time zone looked up once,
    not once per row (the time zone is a context-local read: ~2 us, twice a row).
    """

    def to_representation(self, data):
        child_class = type(self.child)
        if child_class.to_representation is not FastReadMixin.to_representation:
            return super().to_representation(data)  # the child adds to each row's answer
        compiled = _compiled_plan(child_class)
        if compiled is None:
            return super().to_representation(data)
        rows = data.all() if isinstance(data, BaseManager) else data
        request = self.context.get("request")
        zone = timezone.get_current_timezone()
        return [_render(compiled, row, request, zone) for row in rows]


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
        nested = _compiled_plan(child) if issubclass(child, FastReadMixin) else None
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
        if kind is _VALUE:
            representation[name] = getter(instance)
            continue
        if kind is _CONVERT or kind is _DATETIME or kind is _URL:
            attribute = getter(instance)
            if attribute is None:
                representation[name] = None
            elif kind is _CONVERT:
                representation[name] = function(attribute)
            elif kind is _DATETIME:
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
        elif kind is _FIELD:
            representation[name] = function.to_representation(attribute)
        else:
            rows = attribute.all() if isinstance(attribute, BaseManager) else attribute
            representation[name] = [_render(nested, row, request, zone) for row in rows]
    return representation


def _iso_datetime(field):
    """``DateTimeField.to_representation`` for aware datetimes in ISO 8601, without its detours.

    The same steps as DRF's (convert to the current time zone, ``isoformat()``, ``+00:00`` as
    ``Z``) for the common field: exactly ``DateTimeField``, ISO 8601 output, no field time zone,
    ``USE_TZ``. Anything else (strings, naive values, overflow) is left to DRF.
    """
    in_zone = _iso_datetime_in(field)
    if in_zone is None:
        return None
    current_timezone = timezone.get_current_timezone
    return lambda value: in_zone(value, current_timezone())


def _iso_datetime_in(field):
    """``_iso_datetime`` taking the current time zone as an argument (looked up once a page)."""
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
