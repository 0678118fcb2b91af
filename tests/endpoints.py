"""The API's operations as the live schema lists them, with the view and request serializer of each.

Guard tests walk these so that a new endpoint is checked the day it is routed: drf-spectacular's
own generator finds the routes, builds each view as the schema does, and says which serializer
describes the request body and which media types the view parses.
"""

from dataclasses import dataclass

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

BODY_METHODS = ("POST", "PUT", "PATCH")
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the schema, e.g. "/api/core/products/{id}/images/"
    view: object
    # The generator keeps the view's schema alive (drf-spectacular holds it by a weak proxy).
    generator: SchemaGenerator

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def media_types(self) -> list[str]:
        """What the view parses (the schema's ``requestBody`` content types)."""
        return [parser.media_type for parser in self.view.get_parsers()]

    @property
    def accepts_forms(self) -> bool:
        return any(media_type in FORM_MEDIA_TYPES for media_type in self.media_types)

    def request_serializers(self) -> list[serializers.BaseSerializer]:
        """The serializer(s) the schema documents for the body (one per media type at most)."""
        found = self.view.schema.get_request_serializer()
        candidates = found.values() if isinstance(found, dict) else [found]
        return [
            candidate() if isinstance(candidate, type) else candidate
            for candidate in candidates
            if isinstance(candidate, serializers.BaseSerializer)
            or (isinstance(candidate, type) and issubclass(candidate, serializers.BaseSerializer))
        ]


def operations(methods=BODY_METHODS) -> list[Operation]:
    """Every operation of the schema with one of ``methods``, its view built as the schema's."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = []
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in methods:
            continue
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.method, view.schema.path = method, path
        found.append(Operation(method=method, path=path, view=view, generator=generator))
    return found


def writable_fields(serializer, prefix: str = ""):
    """``(dotted name, field)`` of every writable field, nested serializers and lists included."""
    if isinstance(serializer, serializers.ListSerializer):
        yield from writable_fields(serializer.child, prefix)
        return
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        dotted = f"{prefix}{name}"
        yield dotted, field
        if isinstance(field, serializers.BaseSerializer):
            yield from writable_fields(field, f"{dotted}.")
        elif isinstance(field, serializers.ListField | serializers.DictField):
            yield f"{dotted}[]", field.child
