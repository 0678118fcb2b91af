"""django-filter, skipped for requests that name none of a view's filters.

It builds and validates a FilterSet on every list request even when that changes nothing.
"""

import re

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        names = _filter_names(view)
        params = request.query_params
        # Prefixes: a filter's parameters may carry suffixes (range widgets: name_min, name_max).
        if names is not None and not any(param.startswith(names) for param in params):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _filter_names(view) -> tuple[str, ...] | None:
    """The filter names the view's FilterSet declares, or None when they cannot be known."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        return tuple(filterset_class.base_filters)
    fields = getattr(view, "filterset_fields", None)
    if fields is None:
        return ()  # no FilterSet: the backend would not filter either
    if isinstance(fields, dict | list | tuple):
        return tuple(fields)
    return None


MAX_ID = 2**63 - 1  # BigAutoField


_INTEGER = re.compile(r"-?[0-9]+")


class DigitsField(forms.IntegerField):
    """An integer as the schema writes one: Django's IntegerField also takes " 1", "+1", "1.0"
    and other scripts' digits."""

    def to_python(self, value):
        if value not in self.empty_values and not _INTEGER.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.INT)  # NumberFilter alone reads as "number"
class IdFilter(django_filters.NumberFilter):
    """``?brand=7``: rows pointing at that id; an id no row has answers an empty list.

    django-filter's default for a foreign key validates the id against the related table and
    answers 400 for one that does not exist (or is not visible), though the schema can only say
    "an integer" (schemathesis found it). Not an integer is still a 400.
    """

    field_class = DigitsField

    def filter(self, queryset, value):
        if value is not None and not 1 <= value <= MAX_ID:
            return queryset.none()  # no row has it, and SQLite refuses a number that large
        return super().filter(queryset, value)
