"""The daily quota holds under concurrent requests (PostgreSQL, real threads)."""

from ai_agent import services
from ai_agent.models import Generation
from testsupport.db import POSTGRES_ONLY, run_concurrently

pytestmark = POSTGRES_ONLY


def test_concurrent_requests_never_exceed_the_daily_limit(user, settings):
    settings.AI_DAILY_LIMIT = 3

    outcomes = run_concurrently(
        12,
        lambda _: services.generation_create(user=user, prompt="a rig"),  # placeholder
    )

    assert outcomes.count("ok") == 3
    assert outcomes.count(services.QuotaExceeded.__name__) == 9
    assert Generation.objects.filter(user=user, status="succeeded").count() == 3
