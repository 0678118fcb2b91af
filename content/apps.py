"""App config for content (its CDN assets' cleanup is the shared ``ultraminebackend.assets``)."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
