"""App config for the project package itself: wires request-scoped logging."""

from django.apps import AppConfig
from django.core.signals import request_finished, request_started


class ProjectConfig(AppConfig):
    name = "ultraminebackend"
    verbose_name = "Ultramine"

    def ready(self):
        from .logs import bind_request_id, unbind_request_id

        request_started.connect(bind_request_id, dispatch_uid="logs-bind-request-id")
        request_finished.connect(unbind_request_id, dispatch_uid="logs-unbind-request-id")
