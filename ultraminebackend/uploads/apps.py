"""App config for direct uploads: its settings check and the worker's sweep of old uploads."""

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "ultraminebackend.uploads"
    label = "uploads"
    verbose_name = "Direct uploads"

    def ready(self):
        from ultraminebackend.worker import register_sweep

        from . import checks  # noqa: F401  (registers the check)
        from .expiry import expire_uploads

        # Expired uploads only cost space: every few minutes is soon enough.
        register_sweep(expire_uploads, every=300)
