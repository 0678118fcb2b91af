"""Form booleans: a value left out of a form is "not given", as a key left out of JSON."""

import pytest
from django.http import QueryDict
from rest_framework import serializers

from core.models import Category
from ultraminebackend import formdata


def form(text: str = "") -> QueryDict:
    """A parsed form body, as DRF's form and multipart parsers hand it to serializers."""
    return QueryDict(text)


class Flags(serializers.Serializer):
    plain = formdata.BooleanField(required=False)
    on_by_default = formdata.BooleanField(default=True)
    off_by_default = formdata.BooleanField(default=False)
    nullable = formdata.BooleanField(required=False, allow_null=True)


def validated(data, **kwargs) -> dict:
    serializer = Flags(data=data, **kwargs)
    assert serializer.is_valid(), serializer.errors
    return dict(serializer.validated_data)


def test_left_out_of_a_form_means_what_left_out_of_json_means():
    from_form = validated(form())
    from_json = validated({})

    assert from_form == from_json == {"on_by_default": True, "off_by_default": False}


def test_drf_own_field_reads_a_left_out_form_value_as_false():
    """Why the project field exists: DRF's stores False for a checkbox it never received."""

    class Plain(serializers.Serializer):
        flag = serializers.BooleanField(required=False)

    serializer = Plain(data=form())
    serializer.is_valid()

    assert serializer.validated_data == {"flag": False}


def test_a_partial_update_from_a_form_changes_nothing_left_out():
    assert validated(form(), partial=True) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("on", True),
        ("false", False),
        ("False", False),
        ("off", False),
    ],
)
def test_given_form_values_read_true_false_on_off(text, expected):
    data = validated(form(f"plain={text}&on_by_default={text}&nullable={text}"))

    assert (data["plain"], data["on_by_default"], data["nullable"]) == (expected,) * 3


@pytest.mark.parametrize("text", ["1", "0", "yes", "no", "t", "f"])
def test_spellings_the_schemas_boolean_does_not_describe_are_refused(text):
    """DRF takes them; the OpenAPI schema says boolean (schemathesis sent 0 and saw it taken)."""
    serializer = Flags(data=form(f"plain={text}"))

    assert not serializer.is_valid()
    assert serializer.errors == {"plain": ["Must be a valid boolean."]}


def test_an_empty_optional_form_value_is_not_given_and_nonsense_is_a_400():
    assert "plain" not in validated(form("plain="))

    serializer = Flags(data=form("plain=maybe"))

    assert not serializer.is_valid()
    assert serializer.errors == {"plain": ["Must be a valid boolean."]}


def test_a_required_boolean_left_out_of_a_form_is_required():
    class Required(serializers.Serializer):
        flag = formdata.BooleanField()

    serializer = Required(data=form())

    assert not serializer.is_valid()
    assert serializer.errors["flag"][0].code == "required"


def test_model_booleans_become_the_form_safe_field():
    class CategoryIn(formdata.ModelSerializer):
        class Meta:
            model = Category
            fields = ["name", "is_active"]

    field = CategoryIn().fields["is_active"]

    assert type(field) is formdata.BooleanField
    assert not field.required  # the model has a default, which applies when it is left out
