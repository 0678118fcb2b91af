"""Form bodies read like their JSON twins: a boolean left out of a form is simply not given.

See docs/schema.md.
"""

from rest_framework import serializers
from rest_framework.fields import empty


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
