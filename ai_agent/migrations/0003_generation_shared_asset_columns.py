"""The result's columns become the shared stored-asset columns (``ultraminebackend.assets``).

Renames keep every row's values; ``bytes`` widens to a big integer as content's already is.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ai_agent", "0002_generation_billable")]

    operations = [
        migrations.RenameField("generation", "cloudinary_public_id", "public_id"),
        migrations.RenameField("generation", "cloudinary_asset_id", "asset_id"),
        migrations.RenameField("generation", "cloudinary_secure_url", "secure_url"),
        migrations.AlterField(
            model_name="generation",
            name="bytes",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
    ]
