"""The filter backend (ultraminebackend.filters): django-filter as before whenever a request
names one of a view's filters, skipped otherwise."""

import pytest

from core.views import OrderViewSet, ProductViewSet
from ultraminebackend.filters import _filter_names

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/core/orders/?status=bogus",  # a FilterSet class
        "/api/core/deposits/?method=bogus",
    ],
)
def test_an_invalid_filter_value_is_still_a_400(client_for, user, path):
    response = client_for(user).get(path)

    assert response.status_code == 400
    assert response.json()


def test_filters_apply_with_a_parameter_and_other_parameters_leave_the_list_whole(
    client_for, user, order_for
):
    order_for(user)
    cancelled = order_for(user)
    client_for(user).post(f"/api/core/orders/{cancelled.pk}/cancel/")

    everything = client_for(user).get("/api/core/orders/?page=1&unrelated=x").json()
    filtered = client_for(user).get("/api/core/orders/?status=cancelled").json()

    assert everything["count"] == 2
    assert [order["id"] for order in filtered["results"]] == [cancelled.pk]


def test_core_views_name_their_filtersets_filters():
    assert set(_filter_names(ProductViewSet())) == {"category"}
    assert set(_filter_names(OrderViewSet())) == {"status", "payment_method"}
