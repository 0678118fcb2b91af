"""App config for ai_agent: registers the recovery of generations lost with their worker."""

from django.apps import AppConfig


class AiAgentConfig(AppConfig):
    name = "ai_agent"

    def ready(self):
        from ultraminebackend.worker import register_recovery

        from .services import generation_recover_lost

        register_recovery(generation_recover_lost)
