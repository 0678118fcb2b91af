"""System checks: fail at start-up, naming the variable, when the configuration is incomplete."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security)
def check_secret_key(app_configs, **kwargs):
    try:
        settings.SECRET_KEY  # noqa: B018  (Django raises on access when it is empty)
        return []
    except ImproperlyConfigured:
        pass
    return [
        Error(
            "SECRET_KEY is not set.",
            hint="Set the SECRET_KEY environment variable (or DEBUG=1 for local development).",
            id="ultramine.E001",
        )
    ]


@register()
def check_s3_settings(app_configs, **kwargs):
    if not settings.USE_S3:
        return []
    errors = []
    if not settings.AWS_STORAGE_BUCKET_NAME:
        errors.append(
            Error(
                "USE_S3 is on but AWS_STORAGE_BUCKET_NAME is not set.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and credentials) or turn USE_S3 off.",
                id="ultramine.E002",
            )
        )
    return errors
