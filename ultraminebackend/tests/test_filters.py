"""The filter backend's shortcut (``ultraminebackend.filters``) reads the filter names a view
declares, from a FilterSet or from ``filterset_fields``; views of no app, so no domain is needed."""

import django_filters

from ultraminebackend.filters import _filter_names


class ByStatusAndPrice(django_filters.FilterSet):
    status = django_filters.CharFilter()
    price = django_filters.RangeFilter()


class WithFilterSet:
    filterset_class = ByStatusAndPrice


class WithFieldList:
    filterset_fields = ["status"]


class WithFieldLookups:
    filterset_fields = {"created_at": ["gte", "lte"], "status": ["exact"]}


class WithoutFilters:
    pass


class WithFieldsFromSomewhereElse:
    filterset_fields = frozenset({"status"})  # a type the backend does not read


def test_filter_names_come_from_the_filterset_or_the_fields():
    assert set(_filter_names(WithFilterSet())) == {"status", "price"}
    assert _filter_names(WithFieldList()) == ("status",)
    assert _filter_names(WithFieldLookups()) == ("created_at", "status")


def test_no_filters_means_no_names_and_an_unknown_shape_means_unknown():
    assert _filter_names(WithoutFilters()) == ()
    assert _filter_names(WithFieldsFromSomewhereElse()) is None
