"""App config for core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
