"""System check of the direct uploads' settings."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_upload_ttls(app_configs=None, **kwargs):
    """An upload row must outlive its URL: a file posted after the sweep would have no row."""
    if settings.UPLOAD_TTL_S >= settings.UPLOAD_URL_TTL > 0:
        return []
    return [
        Error(
            f"UPLOAD_TTL_S ({settings.UPLOAD_TTL_S}) must be at least UPLOAD_URL_TTL "
            f"({settings.UPLOAD_URL_TTL}), which must be positive.",
            hint="An upload posted after its row was swept would stay in quarantine for good.",
            id="uploads.E001",
        )
    ]
