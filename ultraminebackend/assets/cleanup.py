"""A deleted row lets go of its CDN asset once the deletion commits (a rollback keeps it).

A failed destroy is logged, never raised: the row is already gone.
"""

from django.db import transaction
from django.db.models.signals import post_delete

from .models import StoredAsset
from .providers import destroyer, provider_of


def destroy_cdn_asset_of_deleted_row(sender, instance: StoredAsset, **kwargs) -> None:
    """post_delete of every stored-asset model (cascades included)."""
    if provider_of(instance.storage) is None or not instance.public_id:
        return
    resource_type = instance.cdn_resource_type
    transaction.on_commit(destroyer(instance.storage, instance, resource_type=resource_type))


def connect_signals() -> None:
    from django.apps import apps

    for model in apps.get_models():
        if issubclass(model, StoredAsset):
            post_delete.connect(
                destroy_cdn_asset_of_deleted_row,
                sender=model,
                dispatch_uid=f"assets-destroy-cdn-asset-{model._meta.label}",
            )
