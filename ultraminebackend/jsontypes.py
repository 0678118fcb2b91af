"""A JSON body's values have the types the schema states: ``"name": 0`` is a 400, not ``"0"``.

See docs/schema.md.
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
