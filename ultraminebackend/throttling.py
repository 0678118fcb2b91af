"""Rate limits that hold across threads, workers and instances: one atomic counter per window.

See docs/throttling.md.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.checks import Tags, Warning, register
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


def shared_cache_configured(alias: str = "default") -> bool:
    """Whether the cache is one every process and instance sees (not local memory or a dummy)."""
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    return backend not in (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    )


def hit(cache, key: str, duration: int, now: float) -> tuple[int, float]:
    """Count one request against ``key``'s window; answer (requests so far, seconds left)."""
    if isinstance(cache, RedisCache):
        return _hit_redis(cache, key, duration)
    return _hit_generic(cache, key, duration, now)


def _hit_redis(cache: RedisCache, key: str, duration: int) -> tuple[int, float]:
    key = cache.make_and_validate_key(key)
    # Django's RedisCache.incr checks EXISTS first, a second round trip and a race (a key that
    # expires in between comes back without an expiry, counting for ever); one MULTI has neither.
    client = cache._cache.get_client(key, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=duration, nx=True)
        pipe.incr(key)
        pipe.pttl(key)
        _, count, ttl_ms = pipe.execute()
    return int(count), max(ttl_ms, 0) / 1000


def _hit_generic(cache, key: str, duration: int, now: float) -> tuple[int, float]:
    for _ in range(3):
        if cache.add(key, 0, timeout=duration):
            cache.set(f"{key}:start", now, timeout=duration)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            continue
        start = cache.get(f"{key}:start", now)
        return count, max(0.0, start + duration - now)
    raise RuntimeError(f"throttle counter {key!r} kept expiring")  # pragma: no cover


class AtomicThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle`` with its history replaced by one atomic counter per window.

    Subclasses choose the key (``get_cache_key``) and the scope, as with DRF's throttles.
    """

    cache_alias = "default"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.remaining_s = 0.0
        try:
            count, self.remaining_s = hit(
                caches[self.cache_alias], self.key, self.duration, self.timer()
            )
        except Exception:  # an unreachable cache must not take sign-in down
            logger.exception("throttle %s: the cache failed; request allowed", self.scope)
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(1, math.ceil(self.remaining_s)) if self.remaining_s else None


class ScopedThrottle(AtomicThrottle, ScopedRateThrottle):
    """DRF's ``ScopedRateThrottle`` (the view's ``throttle_scope``, keyed on user or address)."""

    def allow_request(self, request, view) -> bool:
        # ScopedRateThrottle reads the scope from the view here, then defers to its parent.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return AtomicThrottle.allow_request(self, request, view)


@register(Tags.security)
def check_throttle_cache(app_configs, **kwargs):
    """With DEBUG off, a process-local cache makes every limit N instances x workers x limit."""
    if settings.DEBUG or shared_cache_configured():
        return []
    local = isinstance(caches["default"], LocMemCache)
    return [
        Warning(
            "Throttles count in a process-local cache"
            + (" (local memory)" if local else "")
            + ": each gunicorn worker and instance keeps its own counts, so a limit of N "
            "lets N x workers x instances through.",
            hint="Set REDIS_URL to a Redis every instance reaches (redis://host:6379/0).",
            id="ultramine.W010",
        )
    ]
