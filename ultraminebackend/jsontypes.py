"""A JSON body's values have the types the schema states: ``"name": 0`` is a 400, not ``"0"``.

DRF coerces on input: a number for a text field becomes its string, ``0``/``"yes"`` a boolean,
``"5"`` an integer or a primary key, a JSON number a money amount. A form (multipart) body has
nothing but strings, so that reading is needed there; in a JSON body it accepted what the OpenAPI
schema forbids (schemathesis: "schema-violating request accepted"), and a client typed from the
schema never relies on it. So in a JSON body, and only there, these fields take their own JSON
type and answer their usual "invalid" message otherwise.

Installed once in ``ProjectConfig.ready``: one wrapper per DRF field class, so every serializer,
declared or built from a model, reads JSON alike. A body is JSON when the root serializer's data
is a plain mapping; parsed forms are ``QueryDict`` (a ``MultiValueDict``).
"""

from django.utils.datastructures import MultiValueDict
from rest_framework import relations, serializers

_STRING = (str,)
# Field class → (JSON types it takes, the error key it answers otherwise).
STRICT_TYPES = {
    serializers.CharField: (_STRING, "invalid"),
    serializers.DecimalField: (_STRING, "invalid"),  # money is a decimal string
    serializers.BooleanField: ((bool,), "invalid"),
    serializers.IntegerField: ((int,), "invalid"),
    relations.PrimaryKeyRelatedField: ((int,), "incorrect_type"),
}


def _in_json_body(field) -> bool:
    data = getattr(field.root, "initial_data", None)
    return data is not None and not isinstance(data, MultiValueDict)


def _strict(method, types: tuple, key: str):
    def to_internal_value(self, data):
        wrong = isinstance(data, bool) and bool not in types  # True is an int in Python
        if (wrong or not isinstance(data, types)) and _in_json_body(self):
            if key == "incorrect_type":
                self.fail(key, data_type=type(data).__name__)
            self.fail(key)
        return method(self, data)

    to_internal_value.strict_json = True
    return to_internal_value


def install() -> None:
    for field_class, (types, key) in STRICT_TYPES.items():
        method = field_class.to_internal_value
        if not getattr(method, "strict_json", False):
            field_class.to_internal_value = _strict(method, types, key)
