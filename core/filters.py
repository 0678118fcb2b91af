"""Query-string filters of the store lists."""

import django_filters

from .models import Deposit, Order, Product


class ProductFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category", help_text="Category id or slug.")

    class Meta:
        model = Product
        fields = ["category"]

    def filter_category(self, queryset, name, value):
        if value.isdigit():
            return queryset.filter(category_id=int(value))
        return queryset.filter(category__slug=value)


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Order.Status.choices)

    class Meta:
        model = Order
        fields = ["status", "payment_method"]


class DepositFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Deposit.Status.choices)

    class Meta:
        model = Deposit
        fields = ["status", "method"]
