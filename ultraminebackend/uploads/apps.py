"""App config for direct uploads: the worker's sweep of uploads never attached."""

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "ultraminebackend.uploads"
    label = "uploads"
    verbose_name = "Direct uploads"

    def ready(self):
        from ultraminebackend.worker import register_recovery

        from .expiry import expire_uploads

        register_recovery(expire_uploads)
