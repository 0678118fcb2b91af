"""Infrastructure cleanup: a deleted media item or blog image lets go of its Cloudinary asset.

Files on our storage are handled by ``ultraminebackend.files.cleanup`` (every managed file field);
this is the CDN half. The asset is destroyed once the deletion commits, so a rolled-back delete
keeps it; a failed destroy is logged (``cloudinary.destroy_quietly``) and never fails the request.
"""

from django.db import transaction
from django.db.models.signals import post_delete

from ultraminebackend.integrations import cloudinary


def destroy_cdn_asset_of_deleted_row(sender, instance, **kwargs) -> None:
    """post_delete of Media and BlogImage (cascades from posts, blogs and users included)."""
    if instance.storage != instance.Storage.CLOUDINARY or not instance.public_id:
        return
    public_id, resource_type = instance.public_id, instance.cdn_resource_type
    transaction.on_commit(
        lambda: cloudinary.destroy_quietly(public_id=public_id, resource_type=resource_type)
    )


def connect_signals() -> None:
    from .models import BlogImage, Media

    for model in (Media, BlogImage):
        post_delete.connect(
            destroy_cdn_asset_of_deleted_row,
            sender=model,
            dispatch_uid=f"content-destroy-cdn-asset-{model.__name__}",
        )
