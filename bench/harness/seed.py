"""Seed the bench database: products with an image and a gallery image, and one user's orders.

Run as ``python -m bench.harness.seed PRODUCTS ORDERS`` with the server's environment.
"""

import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import django

EMAIL, PASSWORD = "bench@example.com", "bench-password-not-secret"
STORE_THREADS = 8  # S3 PUTs overlap; local writes do not mind


def main(products: int, orders: int) -> None:
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from accounts.models import User
    from core.models import Category, Order, Product, ProductImage
    from testsupport.files import image_bytes
    from ultraminebackend.files.storage.backends import private_storage
    from ultraminebackend.files.storage.naming import thumbnail_name

    jpeg = image_bytes("JPEG", (320, 240))
    webp = image_bytes("WEBP", (200, 150))

    def store_public(folder):
        name = f"{folder}/{uuid.uuid4().hex}.jpg"
        default_storage.save(name, ContentFile(jpeg))
        default_storage.save(thumbnail_name(name), ContentFile(webp))
        return name

    def store_private(folder):
        return private_storage().save(f"{folder}/{uuid.uuid4().hex}.jpg", ContentFile(jpeg))

    with ThreadPoolExecutor(STORE_THREADS) as pool:
        product_images = list(pool.map(lambda _: store_public("products"), range(products)))
        gallery_images = list(pool.map(lambda _: store_public("products"), range(products)))
        order_images = list(pool.map(lambda _: store_public("orders"), range(orders)))
        proofs = list(pool.map(lambda _: store_private("txid_proofs"), range(orders // 2)))

    user = User.objects.create_user(email=EMAIL, password=PASSWORD)
    category = Category.objects.create(name="Rigs", slug="rigs")
    created = Product.objects.bulk_create(
        Product(
            name=f"Rig {i}",
            slug=f"rig-{i}",
            description="A mining rig. " * 8,
            price=Decimal("250.00") + i,
            stock=10_000,
            category=category,
            image=product_images[i],
        )
        for i in range(products)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image=name, alt_text="side view", is_primary=True)
        for product, name in zip(created, gallery_images, strict=True)
    )
    Order.objects.bulk_create(
        Order(
            user=user,
            product=created[i % products],
            quantity=2,
            unit_price=created[i % products].price,
            total_price=created[i % products].price * 2,
            payment_method="crypto" if i % 2 else "cod",
            customer_name="Ann Buyer",
            phone="+15550100",
            email="ann@example.com",
            shipping_address="1 Mine Road",
            image=order_images[i],
            txid=f"tx{i}" if i % 2 else "",
            txid_proof=proofs[i // 2] if i % 2 else "",
        )
        for i in range(orders)
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.harness.settings")
    main(int(sys.argv[1]), int(sys.argv[2]))
