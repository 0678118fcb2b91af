"""App config for content: the task worker publishes due scheduled posts (``content.publishing``).

Its CDN assets' cleanup is the shared ``ultraminebackend.assets``.
"""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"

    def ready(self):
        from ultraminebackend.worker import register_sweep

        from .publishing import posts_publish_due

        register_sweep(posts_publish_due, every="POST_PUBLISH_INTERVAL_S")
