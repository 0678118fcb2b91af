"""``/api/health/``: are the database, both storage roles and the cache reachable? 503 names
what is not."""

import logging
import secrets

from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ultraminebackend.files.operations.probes import storage_reachable

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_storage() -> None:
    for role in ("default", "private"):
        storage_reachable(storages[role])


def _check_cache() -> None:
    """A write and a read-back: throttles need both (Redis when ``REDIS_URL`` is set)."""
    key, value = f"health:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


CHECKS = {"database": _check_database, "storage": _check_storage, "cache": _check_cache}

_health_schema = inline_serializer(
    "Health",
    {name: serializers.CharField() for name in ("status", *CHECKS)},
)


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: _health_schema, 503: _health_schema})
    def get(self, request):
        body, healthy = {}, True
        for name, check in CHECKS.items():
            try:
                check()
                body[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure is "down", named below
                logger.warning("health check %s failed: %s", name, exc.__class__.__name__)
                body[name] = "error"
                healthy = False
        return Response(
            {"status": "ok" if healthy else "error", **body}, status=200 if healthy else 503
        )
