"""System checks of the CDN settings: a typo in MEDIA_CDN_ORDER fails start-up, not an upload."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from .providers import PROVIDERS

IMAGEKIT_SETTINGS = ("IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_PUBLIC_KEY", "IMAGEKIT_URL_ENDPOINT")


@register()
def check_media_cdn_order(app_configs, **kwargs):
    unknown = [name for name in settings.MEDIA_CDN_ORDER if name not in PROVIDERS]
    if not unknown:
        return []
    return [
        Error(
            f"MEDIA_CDN_ORDER names {', '.join(unknown)}, which is no CDN.",
            hint=f"Choose from {', '.join(PROVIDERS)}; our own storage always comes last, unnamed.",
            id="assets.E001",
        )
    ]


@register()
def check_imagekit_settings(app_configs, **kwargs):
    """Half an ImageKit configuration leaves ImageKit off without a word: say so."""
    given = [name for name in IMAGEKIT_SETTINGS if getattr(settings, name)]
    needed = ("IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_URL_ENDPOINT")
    missing = [name for name in needed if not getattr(settings, name)]
    if not given or not missing:
        return []
    return [
        Warning(
            f"ImageKit is off: {', '.join(given)} set but {', '.join(missing)} not.",
            hint="Set the private key and the URL endpoint, or none of the IMAGEKIT_* settings.",
            id="assets.W001",
        )
    ]
