"""ASGI entry point (the project is served through WSGI; kept for ASGI servers)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")

application = get_asgi_application()
