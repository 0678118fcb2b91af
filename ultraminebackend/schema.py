"""The OpenAPI schema says what the server does: errors, ids, bodies, anonymous access.

See docs/schema.md.
"""

import copy
import inspect
import json
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular import openapi
from drf_spectacular.drainage import has_override
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Permissions that refuse nobody who is signed in: no 403 follows from them.
SIGNED_IN_IS_ENOUGH = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
)

_STRINGS = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "description": "Any error but a validation error: what went wrong, in `detail`.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "Machine-readable reason, where given."},
        },
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": (
            "Invalid input: each field (body or query parameter) named, with its messages; "
            "`non_field_errors` for rules across fields; `detail` when the request as a whole "
            "was refused (e.g. a body that is not JSON)."
        ),
        "properties": {
            "detail": {"anyOf": [{"type": "string"}, _STRINGS]},
            "non_field_errors": _STRINGS,
        },
        # Each field: its messages, or for a list field its items' messages keyed by position.
        # ``string`` too, so a generated client's index signature admits ``detail``.
        "additionalProperties": {
            "anyOf": [
                _STRINGS,
                {"type": "object", "additionalProperties": _STRINGS},
                {"type": "string"},
            ]
        },
    },
}
ERRORS = {
    "400": ("ValidationError", "Invalid input; the field is named."),
    "401": ("ErrorDetail", "Not signed in, or the token is invalid, expired or revoked."),
    "403": ("ErrorDetail", "Signed in, but not allowed to do this."),
    "404": ("ErrorDetail", "No such resource (or not yours), or no such page."),
    "409": ("ErrorDetail", "The resource's state forbids this, or it changed meanwhile."),
    "411": ("ErrorDetail", "A body without Content-Length (chunked) is not read."),
    "413": ("ErrorDetail", "The body is larger than this operation accepts."),
    "415": ("ErrorDetail", "A content type this operation does not take."),
    "429": ("ErrorDetail", "Too many requests; try again after `Retry-After` seconds."),
    "503": ("ErrorDetail", "A dependency (database, storage) is unavailable; nothing was saved."),
}
# Marks a property whose only value is null; written out after drf-spectacular's enum hook,
# which would otherwise turn ``enum: [null]`` into a component of its own.
NULL_ONLY = "x-null-only"
# Marks a string property whose values are listed inline (``{INLINE_ENUM: [...]}``), not as an enum
# component: choices that depend on configuration would otherwise collide by name with another
# set of the same field name. Null is added where the property stays nullable (not in forms).
INLINE_ENUM = "x-inline-enum"
RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}


def error_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


class AutoSchema(openapi.AutoSchema):
    # --- errors -----------------------------------------------------------------------------
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        self._register_error_components()
        media_types = self.map_renderers("media_type")
        # Derived errors, and errors a view declares without a body (e.g. the token's 401).
        for code in {*self._error_codes(), *(code for code in responses if code in ERRORS)}:
            name, description = ERRORS[code]
            response = responses.setdefault(code, {"description": description})
            if "content" not in response:  # e.g. ``409: None`` in a view: the body is still there
                response["content"] = {media: {"schema": error_ref(name)} for media in media_types}
                response["description"] = response.get("description") or description
        for code in ("429", "503"):  # derived or declared by the view
            if code in responses:
                headers = responses[code].setdefault("headers", {})
                headers.setdefault("Retry-After", {**RETRY_AFTER, "required": code == "429"})
        return dict(sorted(responses.items()))

    def _register_error_components(self) -> None:
        for name, schema in ERROR_SCHEMAS.items():
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
                )
            )

    def _error_codes(self) -> list[str]:
        view, method = self.view, self.method
        codes = ["400", "503"]
        if view.get_authenticators():
            codes.append("401")
        if self._may_forbid():
            codes.append("403")
        if self._path_variables() or self._is_paginated_list():
            codes.append("404")
        if method in UNSAFE:
            codes += ["409", "411", "413", "415"] if method != "DELETE" else ["409"]
        if view.get_throttles():
            codes.append("429")
        return codes

    def _may_forbid(self) -> bool:
        if self.method in UNSAFE and any(
            isinstance(auth, SessionAuthentication) for auth in self.view.get_authenticators()
        ):
            return True  # CSRF: a session write without the token
        return any(
            type(permission) not in SIGNED_IN_IS_ENOUGH
            for permission in self.view.get_permissions()
        )

    def _path_variables(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]

    def _is_paginated_list(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    # --- who may call -----------------------------------------------------------------------
    def get_auth(self):
        auths = super().get_auth()
        if auths and {} not in auths and self._allows_anonymous():
            auths.append({})  # the credentials are optional: anyone may call this
        return auths

    def _allows_anonymous(self) -> bool:
        """Whether every permission of the view lets an anonymous request of this method in."""
        http_request = HttpRequest()
        http_request.method = self.method
        request = Request(http_request)
        request.user = AnonymousUser()
        try:
            return all(p.has_permission(request, self.view) for p in self.view.get_permissions())
        except Exception:  # noqa: BLE001 - one that needs more of the request: assume it refuses
            return False

    # --- parameters -------------------------------------------------------------------------
    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") == "string" and schema.get("pattern") == "^\\d+$":
                # Routes match ``\d+``: an id. A generated client should send a number.
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_filter_backends(self):
        # A detail action answering a list (a product's gallery) takes no list filters.
        if getattr(self.view, "action", "list") not in ("list", None):
            return []
        return super().get_filter_backends()

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query":
                _refuse_nul(parameter["schema"], pattern=NO_NUL)
        return parameters

    # --- request bodies ---------------------------------------------------------------------
    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if not body or MULTIPART not in body["content"]:
            return body
        content = body["content"]
        content.pop(URLENCODED, None)
        component = self._component_of(content[MULTIPART]["schema"])
        if component is None:
            return body
        files = _file_properties(component.schema)
        json_media = content.get("application/json")
        if files and json_media is not None:
            if set(files) & set(component.schema.get("required", ())):
                del content["application/json"]  # a file is required: multipart only
            else:
                json_media["schema"] = self._json_variant(component, files).ref
        _without_nulls(component.schema)  # the multipart body: a form field is never null
        return body

    def _component_of(self, schema: dict):
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        return self.registry._components.get((name, ResolvedComponent.SCHEMA))

    def _json_variant(self, component, files: dict):
        """The same body without its files: ``null`` where sending null removes one."""
        schema = copy.deepcopy(component.schema)
        for name, field_schema in files.items():
            if field_schema.get("nullable"):
                schema["properties"][name] = {
                    NULL_ONLY: True,
                    "description": "`null` removes the file (upload one with multipart).",
                }
            else:
                del schema["properties"][name]
        variant = ResolvedComponent(
            name=f"{component.name}Json",
            type=ResolvedComponent.SCHEMA,
            object=(component.name, "json"),
            schema=schema,
        )
        self.registry.register_on_missing(variant)
        return variant

    # --- components ---------------------------------------------------------------------------
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # A class's own docstring only: an inherited one (a mixin's notes on how it serialises
        # fast) is no description of the API's object.
        if not has_override(serializer, "description"):
            own = serializer.__class__.__dict__.get("__doc__")
            schema.pop("description", None)
            if own:
                schema["description"] = inspect.cleandoc(own)
        # A read-only field declared ``required=False`` may be absent from the answer.
        optional = {
            name
            for name, field in serializer.fields.items()
            if field.read_only and field._kwargs.get("required") is False
        }
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(schema, dict) and "default" in schema:
            default = schema.pop("default")
            if self.method != "PATCH":  # a PATCH leaves what it does not name unchanged
                note = f"Default when omitted: `{_json_text(default)}`."
                schema["description"] = f"{schema.get('description', '')}\n\n{note}".strip()
        if direction == "request" and isinstance(field, serializers.CharField):
            _refuse_nul(schema, pattern=NO_NUL_NOT_EMPTY if field.allow_blank else NOT_BLANK)
        if isinstance(field, serializers.DecimalField) and isinstance(schema, dict):
            pattern = _decimal_pattern(field)
            if pattern:
                schema["pattern"] = pattern
        return schema


# Text the server takes: no NUL anywhere (DRF's and our query guard's rule: PostgreSQL cannot
# store it), and for a field that may not be blank, one character that is not white space
# (DRF trims the value first).
# A body field that may be blank gets the non-empty pattern: drf-spectacular then offers "" as
# a branch of its own (``oneOf``), which an empty-matching pattern would make ambiguous.
NO_NUL = r"^[^\x00]*$"
NO_NUL_NOT_EMPTY = r"^[^\x00]+$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _refuse_nul(schema, *, pattern: str) -> None:
    if not isinstance(schema, dict) or schema.get("type") != "string":
        return
    if any(key in schema for key in ("pattern", "enum", "format")):
        return  # already narrower than any text
    schema["pattern"] = pattern


def _without_nulls(schema: dict) -> None:
    """A form has no null: an empty value clears a field. (Its JSON twin keeps ``null``.)"""
    for prop in schema.get("properties", {}).values():
        prop.pop("nullable", None)
        if None in prop.get("enum", ()):
            prop["enum"] = [value for value in prop["enum"] if value is not None]


def _file_properties(schema: dict) -> dict:
    def is_file(prop: dict) -> bool:
        return prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"

    return {name: prop for name, prop in schema.get("properties", {}).items() if is_file(prop)}


def _json_text(value) -> str:
    return json.dumps(value) if value is None or isinstance(value, bool | str) else str(value)


def _decimal_pattern(field: serializers.DecimalField) -> str | None:
    """Non-negative amounts have no minus sign; a minimum of one unit of the last place (0.01)
    excludes zero as well, so every string the pattern admits is an amount the field takes."""
    if field.min_value is None or field.min_value < 0 or not field.decimal_places:
        return None
    places = field.decimal_places
    whole = field.max_digits - places
    if field.min_value == 0:
        return rf"^(?:0|[1-9]\d{{0,{whole - 1}}})(?:\.\d{{1,{places}}})?$"
    if field.min_value == Decimal(1).scaleb(-places) and places == 2:
        return rf"^(?:[1-9]\d{{0,{whole - 1}}}(?:\.\d{{1,2}})?|0?\.(?:0[1-9]|[1-9]\d?))$"
    return None


def postprocess_null_only(result, generator, request, public):
    """Write each null-only property (see ``NULL_ONLY``) as OpenAPI 3.0 states it."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, prop in component.get("properties", {}).items():
            if prop.pop(NULL_ONLY, False):
                component["properties"][name] = {
                    "type": "string",
                    "nullable": True,
                    "enum": [None],
                    **prop,
                }
    return result


def postprocess_inline_enums(result, generator, request, public):
    """Write each ``INLINE_ENUM`` property as a plain string enum (after the enum hook)."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            values = prop.pop(INLINE_ENUM, None)
            if values is not None:
                nulls = [None] if prop.get("nullable") else []
                prop.update(type="string", enum=[*values, *nulls])
    return result
