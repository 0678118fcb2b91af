"""App configs of the project package: request-scoped logging, strict JSON types, the admin."""

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started


class ProjectConfig(AppConfig):
    name = "ultraminebackend"
    verbose_name = "Ultramine"
    default = True  # this module also holds AdminConfig

    def ready(self):
        from . import (
            formdata,
            jsontypes,
            throttling,  # noqa: F401  (registers its system check)
        )
        from .logs import bind_request_id, unbind_request_id

        request_started.connect(bind_request_id, dispatch_uid="logs-bind-request-id")
        request_finished.connect(unbind_request_id, dispatch_uid="logs-unbind-request-id")
        jsontypes.install()  # a JSON body's values have the schema's types
        formdata.install()  # a form sends a single-valued field once


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, which discovers the apps' admin modules only once SECRET_KEY is set.

    The build runs ``collectstatic`` without secrets, and simplejwt's token-blacklist admin reads
    SECRET_KEY when it is imported. Without a key nothing can be served (the check
    ``ultramine.E001`` stops the start-up, naming the variable), so nothing needs registering.
    """

    default = False

    def ready(self):
        try:
            settings.SECRET_KEY  # noqa: B018  (Django raises on access when it is empty)
        except ImproperlyConfigured:
            admin_apps.SimpleAdminConfig.ready(self)  # the admin's own checks, no discovery
            return
        super().ready()
