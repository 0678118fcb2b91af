"""The daily quota holds under concurrent requests (PostgreSQL, real threads)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from ai_agent import services
from ai_agent.models import Generation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent quota counting needs PostgreSQL's row locks (set DATABASE_URL)",
    ),
]


def test_concurrent_requests_never_exceed_the_daily_limit(user, settings):
    settings.AI_DAILY_LIMIT = 3
    barrier = threading.Barrier(12)

    def request(_):
        barrier.wait()
        try:
            services.generation_create(user=user, prompt="a rig")  # placeholder provider
            return "ok"
        except services.QuotaExceeded:
            return "quota"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(request, range(12)))

    assert outcomes.count("ok") == 3
    assert outcomes.count("quota") == 9
    assert Generation.objects.filter(user=user, status="succeeded").count() == 3
