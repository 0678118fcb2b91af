"""Galleries under the rule "the first image is the primary" (issue 13, item 18).

Before it, a reorder left ``is_primary`` on an image that was no longer first. What the shop
showed was the image marked primary, so that image moves to the front; the others keep their
order, and positions become 0..n-1. Rows already under the rule are not written.
"""

from django.db import migrations


def primary_first(apps, schema_editor):
    ProductImage = apps.get_model("core", "ProductImage")
    product_ids = ProductImage.objects.values_list("product_id", flat=True).distinct()
    for product_id in list(product_ids):
        images = list(ProductImage.objects.filter(product_id=product_id).order_by("position", "id"))
        primary = next((image for image in images if image.is_primary), images[0])
        changed = []
        for position, image in enumerate([primary, *(i for i in images if i is not primary)]):
            if (image.position, image.is_primary) != (position, position == 0):
                image.position, image.is_primary = position, position == 0
                changed.append(image)
        # The primary stays the same row (or there was none), so the one-primary index holds.
        ProductImage.objects.bulk_update(changed, ["position", "is_primary"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_money_minor_units")]

    operations = [migrations.RunPython(primary_first, migrations.RunPython.noop)]
