"""Query-string filters of the store lists."""

import django_filters
from django.db.models import Q

from .models import Deposit, Order, Product

MAX_ID = 2**63 - 1  # BigAutoField


class ProductFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category", help_text="Category id or slug.")

    class Meta:
        model = Product
        fields = ["category"]

    def filter_category(self, queryset, name, value):
        # ASCII digits only ("¹".isdigit() is true, int("¹") fails), and within the id column's
        # range (a longer number is no id, and SQLite refuses it); a numeric slug matches too.
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            return queryset.filter(Q(category_id=int(value)) | Q(category__slug=value))
        return queryset.filter(category__slug=value)


# One status per request (``?status=paid``), as every other list filters: a plain enum in the
# schema, not an array a generated client must wrap a single value in.
class OrderFilter(django_filters.FilterSet):
    class Meta:
        model = Order
        fields = ["status", "payment_method"]


class DepositFilter(django_filters.FilterSet):
    class Meta:
        model = Deposit
        fields = ["status", "method"]
