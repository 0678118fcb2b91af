"""Request bodies shared by the store tests."""

# Every create test runs as both: a browser form posts multipart, a generated client JSON.
BODY_FORMATS = ("json", "multipart")

ORDER_FIELDS = {
    "customer_name": "Ann Buyer",
    "phone": "+15550100",
    "email": "ann@example.com",
    "shipping_address": "1 Mine Road",
}


def order_form(product, /, **overrides) -> dict:
    """A multipart order body as the React app sends it."""
    return {
        **ORDER_FIELDS,
        "product": product.pk,
        "quantity": 2,
        "payment_method": "cod",
        **overrides,
    }
