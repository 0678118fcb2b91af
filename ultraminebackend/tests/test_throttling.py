"""Atomic throttles: a burst is held to the limit exactly, windows end, every view uses them.

With ``REDIS_URL`` set (CI runs the suite so), the burst and view tests count in Redis; the window
tests pin the local-memory cache, whose clock time-machine moves.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from ultraminebackend.throttling import (
    AtomicThrottle,
    check_throttle_cache,
    shared_cache_configured,
)

pytestmark = pytest.mark.django_db

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CLOSED_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there: refused at once
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


class TenPerMinute(AtomicThrottle):
    rate = "10/min"
    scope = "test"

    def get_cache_key(self, request, view):
        return f"throttle_test_{request.META['REMOTE_ADDR']}"


def request_from(address="192.0.2.1"):
    return APIRequestFactory().post("/", REMOTE_ADDR=address)


def allowed(throttle_class=TenPerMinute, address="192.0.2.1"):
    throttle = throttle_class()
    return throttle.allow_request(request_from(address), None), throttle


def test_a_40_way_burst_lets_exactly_the_limit_through():
    # given 40 requests released at the same instant, from threads
    start = threading.Barrier(40)

    def one(_):
        start.wait(timeout=10)
        return allowed()[0]

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(one, range(40)))

    # then exactly the limit is let through, the rest refused
    assert results.count(True) == 10
    assert results.count(False) == 30
    # and another client has its own budget
    assert allowed(address="192.0.2.2")[0] is True


def test_a_refused_request_says_when_the_window_ends(settings):
    settings.CACHES = LOCAL
    with time_machine.travel(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC), tick=False) as clock:
        for _ in range(10):
            assert allowed()[0] is True
        clock.shift(timedelta(seconds=20))
        is_allowed, throttle = allowed()

    assert is_allowed is False
    assert throttle.wait() == 40  # the window started with the first request


def test_the_window_ends_a_minute_after_its_first_request(settings):
    settings.CACHES = LOCAL
    with time_machine.travel(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC), tick=False) as clock:
        assert [allowed()[0] for _ in range(11)].count(True) == 10
        clock.shift(timedelta(seconds=59))
        assert allowed()[0] is False
        clock.shift(timedelta(seconds=2))
        assert [allowed()[0] for _ in range(11)].count(True) == 10


def test_an_unreachable_cache_lets_the_request_through_and_logs(caplog):
    # (override_settings, not the settings fixture: the suite's teardown clears the real cache)
    with (
        override_settings(CACHES=CLOSED_REDIS),
        caplog.at_level(logging.ERROR, logger="ultraminebackend.throttling"),
    ):
        is_allowed, throttle = allowed()

    assert is_allowed is True
    assert throttle.wait() is None
    assert "the cache failed" in caplog.text


def test_sign_in_is_up_while_the_cache_is_down(user, api_client):
    with override_settings(CACHES=CLOSED_REDIS):
        response = api_client.post(
            "/api/auth/token/",
            {"email": "owner@example.com", "password": "correct horse battery"},
            format="json",
        )
        health = api_client.get("/api/health/")
    assert response.status_code == 200
    assert health.status_code == 503
    assert health.json()["cache"] == "error"


def _views(resolver=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None:
                yield view


def test_every_throttle_of_every_view_counts_atomically():
    throttles = {
        (view.__name__, throttle)
        for view in _views()
        for throttle in getattr(view, "throttle_classes", ())
    }
    assert len(throttles) >= 3, "the walk found too few throttled views: is it still walking?"
    non_atomic = {
        (view, throttle.__name__)
        for view, throttle in throttles
        if not issubclass(throttle, AtomicThrottle)
    }
    assert not non_atomic, f"throttles counting with DRF's read-modify-write history: {non_atomic}"


def test_no_rate_throttle_is_configured_by_default(settings):
    # DEFAULT_THROTTLE_CLASSES would apply to every view, past the walk above
    assert not settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_CLASSES")
    assert issubclass(AtomicThrottle, SimpleRateThrottle)


@pytest.mark.parametrize(
    ("debug", "caches", "warned"),
    [(False, LOCAL, True), (True, LOCAL, False), (False, CLOSED_REDIS, False)],
    ids=["production-local", "debug-local", "production-redis"],
)
def test_production_without_a_shared_cache_is_warned_about(settings, debug, caches, warned):
    settings.DEBUG = debug
    with override_settings(CACHES=caches):
        messages = check_throttle_cache(None)
        shared = shared_cache_configured()
        all_ids = {m.id for m in run_checks()}

    assert [m.id for m in messages] == (["ultramine.W010"] if warned else [])
    assert shared is (caches is CLOSED_REDIS)
    assert ("ultramine.W010" in all_ids) is warned
    if warned:
        assert "REDIS_URL" in messages[0].hint
