"""What an asset is answered with: its stored name, its URL and its thumbnail's URL."""

from django.http import HttpRequest

from ultraminebackend.files.storage.links import file_url, thumbnail_url

from .models import StoredAsset
from .providers import provider_of


def asset_name(asset: StoredAsset | None) -> str | None:
    """The name on our storage, or the CDN's ``public_id``; None without an asset."""
    if asset is None:
        return None
    if provider_of(asset.storage) is not None:
        return asset.public_id
    return asset.stored_file.name or None


def asset_url(asset: StoredAsset | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL a browser loads directly (CDN copies optimised as ``asset.delivery`` says)."""
    if asset is None:
        return None
    cdn = provider_of(asset.storage)
    if cdn is not None:
        return cdn.url(asset.secure_url, asset.delivery)
    return file_url(asset.stored_file, request)


def asset_thumbnail_url(
    asset: StoredAsset | None, request: HttpRequest | None = None
) -> str | None:
    """A small WebP of an image (the CDN's transformation or our ``.thumb.webp``); videos: None."""
    if asset is None or not asset.is_image:
        return None
    cdn = provider_of(asset.storage)
    if cdn is not None:
        return cdn.thumbnail_url(asset.secure_url)
    return thumbnail_url(asset.stored_file, request)
