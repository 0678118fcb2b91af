"""System checks: fail at start-up, naming the variable, when the configuration is incomplete."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, features

# Pillow features image intake cannot work without: decoders/encoders and colour management.
REQUIRED_PILLOW_FEATURES = {
    "jpg": "JPEG",
    "zlib": "PNG",
    "webp": "WebP",
    "littlecms2": "ICC colour conversion",
}


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


@register(Tags.security)
def check_media_roots_apart(app_configs, **kwargs):
    """``MEDIA_ROOT`` and ``PRIVATE_MEDIA_ROOT`` must not contain (or be) one another.

    ``/media/`` serves everything under ``MEDIA_ROOT`` unsigned: a private root inside it would
    publish payment evidence, and a public root inside the private one mixes public files into
    evidence (and makes ``migrate_media`` copy them twice). Both come from the environment, so
    paths are compared resolved (absolute, symlinks followed), as the file system will see them.
    """
    public = Path(settings.MEDIA_ROOT).resolve()
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    if public == private:
        problem = "are the same folder"
    elif private.is_relative_to(public):
        problem = "overlap: PRIVATE_MEDIA_ROOT is inside MEDIA_ROOT, so /media/ would serve it"
    elif public.is_relative_to(private):
        problem = "overlap: MEDIA_ROOT is inside PRIVATE_MEDIA_ROOT"
    else:
        return []
    return [
        Error(
            f"MEDIA_ROOT ({public}) and PRIVATE_MEDIA_ROOT ({private}) {problem}.",
            hint="Point them at two separate folders, neither inside the other "
            "(the defaults are media/ and private_media/ beside manage.py).",
            id="ultramine.E005",
        )
    ]


@register()
def check_image_support(app_configs, **kwargs):
    """Pillow must have the codecs intake re-encodes with; the pixel cap must fit Pillow's own."""
    errors = [
        Error(
            f"Pillow was built without {feature} support ({purpose}); image intake needs it.",
            hint="Install the Pillow wheel from requirements.txt instead of a source build.",
            id="ultramine.E003",
        )
        for feature, purpose in REQUIRED_PILLOW_FEATURES.items()
        if not features.check(feature)
    ]
    try:  # imported here so a broken install is reported by the check, not as a start-up crash
        import pillow_heif  # noqa: F401
    except ImportError as exc:
        errors.append(
            Error(
                f"pillow-heif cannot be imported ({exc}); HEIC uploads need it.",
                hint="pip install -r requirements.txt",
                id="ultramine.E004",
            )
        )
    cap, limit = settings.IMAGE_MAX_PIXELS, Image.MAX_IMAGE_PIXELS
    if limit is not None and cap > limit:
        errors.append(
            Warning(
                f"IMAGE_MAX_PIXELS ({cap}) is above Pillow's "
                f"MAX_IMAGE_PIXELS ({limit}); intake caps images at {limit} pixels.",
                hint="Lower IMAGE_MAX_PIXELS; Pillow treats larger images as decompression bombs.",
                id="ultramine.W001",
            )
        )
    return errors
