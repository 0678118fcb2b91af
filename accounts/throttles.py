"""Throttles of the auth endpoints, and the client address they and the admin lockout key on.

See docs/throttling.md.
"""

import hashlib
import ipaddress
from collections.abc import Mapping

from rest_framework.throttling import BaseThrottle

from ultraminebackend.throttling import AtomicThrottle

from .models import UserManager


def client_ip(request) -> str | None:
    """The client address by the throttles' rule, as a valid IP (django-axes stores it as one).

    An entry that is no address (the proxy count is set higher than the proxies there are, and
    the client wrote it) falls back to the peer address: a shared bucket rather than a free one.
    """
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


class AccountRateThrottle(AtomicThrottle):
    """Sign-in attempts per account, keyed on the normalised email whatever the address.

    The per-address throttle alone lets a client with many addresses guess one password without
    bound. The key is the email as sent, whether or not an account has it, so a throttled answer
    says nothing about which accounts exist; it is hashed to keep addresses out of the cache.
    For a signed-in user (password change) it is the user's own email: the same budget.
    """

    scope = "auth_account"

    def get_cache_key(self, request, view):
        email = self._email(request)
        if not email:
            return None  # nothing to key on: the request fails validation anyway
        digest = hashlib.sha256(email.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}

    @staticmethod
    def _email(request) -> str | None:
        if request.user.is_authenticated:
            return UserManager.normalize_email(request.user.email)
        data = request.data
        value = data.get("email") if isinstance(data, Mapping) else None
        return UserManager.normalize_email(value) if isinstance(value, str) else None
