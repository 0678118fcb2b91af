"""Form bodies read like their JSON twins: a boolean left out of a form is simply not given.

DRF reads a boolean missing from an HTML form (multipart or urlencoded) as ``False``
(``BooleanField.default_empty_html``): a browser does not send an unchecked checkbox. Our forms
are built by the React app with ``FormData``, which leaves out what the user did not set, so that
reading stored every product created without ``is_active`` as inactive, while the same body as
JSON gave ``true``. Here a missing form value means what a missing JSON key means: the serializer's
declared ``default`` applies, else the field is skipped, so the model default applies on create
and nothing changes on an update.

Serializers take ``BooleanField`` from here, and model serializers derive from ``ModelSerializer``
here, which maps model booleans onto it. ``tests/test_form_booleans.py`` fails if a serializer
behind a form-accepting view uses DRF's own.
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
