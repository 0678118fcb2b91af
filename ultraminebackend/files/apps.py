"""App config for the shared file plumbing (registers its system checks)."""

from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "ultraminebackend.files"
    label = "files"
    verbose_name = "Files"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
        from .cleanup import connect_signals

        connect_signals()
