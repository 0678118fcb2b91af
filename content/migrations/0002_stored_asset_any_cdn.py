"""A media item or blog image on any CDN (``ultraminebackend.assets.models.CDNS``) has its id.

The same rows pass as before (Cloudinary is the one CDN); a CDN added later changes this list.
"""

from django.db import migrations, models

STORED_SOMEWHERE = models.Q(
    models.Q(("storage", "media"), models.Q(("file", ""), _negated=True)),
    models.Q(("storage__in", ["cloudinary"]), models.Q(("public_id", ""), _negated=True)),
    _connector="OR",
)


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="blogimage", name="blog_image_is_stored_somewhere"),
        migrations.RemoveConstraint(model_name="media", name="media_is_stored_somewhere"),
        migrations.AddConstraint(
            model_name="blogimage",
            constraint=models.CheckConstraint(
                condition=STORED_SOMEWHERE, name="blog_image_is_stored_somewhere"
            ),
        ),
        migrations.AddConstraint(
            model_name="media",
            constraint=models.CheckConstraint(
                condition=STORED_SOMEWHERE, name="media_is_stored_somewhere"
            ),
        ),
    ]
