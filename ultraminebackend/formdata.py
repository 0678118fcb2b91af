"""Form bodies read like their JSON twins: a boolean left out of a form is simply not given.

See docs/schema.md.
"""

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html


class BooleanField(serializers.BooleanField):
    """DRF's ``BooleanField``, except that a value absent from a form is "not given".

    Given values: ``true``/``false`` (what ``FormData`` writes for a boolean; any case) and
    ``on``/``off`` (an HTML checkbox). DRF also took ``1``/``0``, ``yes``/``no``, ``t``/``f``:
    a form value the schema's ``boolean`` does not describe (schemathesis sent ``0`` and saw it
    accepted), so they are refused. In a JSON body only ``true``/``false`` themselves
    (``jsontypes``). The trade-off: an unchecked checkbox in DRF's browsable-API form no longer
    means ``false``; send ``false`` explicitly, as any API client does.
    """

    default_empty_html = empty
    TRUE_VALUES = {"true", "True", "TRUE", "on", "On", "ON", True}
    FALSE_VALUES = {"false", "False", "FALSE", "off", "Off", "OFF", False}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # DRF's __init__ makes a nullable field's missing form value None: not given is not null.
        self.default_empty_html = empty


class ModelSerializer(serializers.ModelSerializer):
    """``ModelSerializer`` whose fields built from model booleans are our ``BooleanField``."""

    serializer_field_mapping = {
        model_field: BooleanField if field is serializers.BooleanField else field
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }


class _Repeated(list):
    """The values of a form field sent more than once where the schema has one value."""


def _one_value(get_value):
    def wrapper(self, dictionary):
        if (
            html.is_html_input(dictionary)
            and len(values := dictionary.getlist(self.field_name)) > 1
        ):
            return _Repeated(values)
        return get_value(self, dictionary)

    wrapper.one_value = True
    return wrapper


def _refuse_repeated(run_validation):
    def wrapper(self, data=empty):
        if isinstance(data, _Repeated):
            raise serializers.ValidationError(
                f"Send this field once; it was sent {len(data)} times.", code="repeated"
            )
        return run_validation(self, data)

    return wrapper


def install() -> None:
    """A single-valued field sent twice in a form is a 400, not its last value taken silently.

    List fields (``media``, ``reference_images``, ``*_uploads``) read every value themselves.
    """
    field = serializers.Field
    if not getattr(field.get_value, "one_value", False):
        field.get_value = _one_value(field.get_value)
        field.run_validation = _refuse_repeated(field.run_validation)
