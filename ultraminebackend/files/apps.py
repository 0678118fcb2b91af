"""App config for the shared file plumbing: its system checks and the cleanup of files and CDN
assets that deleted or replaced rows no longer reference."""

from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "ultraminebackend.files"
    label = "files"
    verbose_name = "Files"

    def ready(self):
        from ultraminebackend.assets import checks as asset_checks  # noqa: F401  (registers them)
        from ultraminebackend.assets.cleanup import connect_signals as connect_asset_signals

        from .operations import checks  # noqa: F401  (registers the checks)
        from .storage.modelfields import connect_signals

        connect_signals()
        connect_asset_signals()
