"""App config for ai_agent."""

from django.apps import AppConfig


class AiAgentConfig(AppConfig):
    name = "ai_agent"
