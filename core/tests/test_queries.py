"""Every list costs the same number of queries whatever its page size (no N+1)."""

import pytest

from core import services
from testsupport.db import queries_for
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_store(make_product, user, staff_user, order_for, deposit_for):
    for _ in range(12):
        product = make_product(image=image_file())
        services.product_image_add(product=product, image=image_file())
        services.product_image_add(product=product, image=image_file())
        order_for(user, product=product, image=image_file(), txid_proof=image_file())
        deposit_for(user)


@pytest.mark.usefixtures("busy_store")
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/api/core/products/"),
        ("staff", "/api/core/products/"),
        ("owner", "/api/core/orders/"),
        ("staff", "/api/core/orders/"),
        ("owner", "/api/core/deposits/"),
        ("staff", "/api/core/deposits/"),
        ("anonymous", "/api/core/categories/"),
    ],
)
def test_list_queries_do_not_grow_with_page_size(client_for, user, staff_user, who, path):
    client = client_for({"anonymous": None, "owner": user, "staff": staff_user}[who])

    small = queries_for(client, f"{path}?page_size=2")
    large = queries_for(client, f"{path}?page_size=12")

    assert small == large
    assert large <= 4  # user (JWT), count, page, and the gallery prefetch for products
