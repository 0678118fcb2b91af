"""App config for content (wires the CDN cleanup signal handlers)."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"

    def ready(self):
        from .signals import connect_signals

        connect_signals()
