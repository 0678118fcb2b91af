"""The admin's login lockout (django-axes): whom a failure counts against, and which ones count.

See docs/throttling.md.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler

from .models import UserManager


def login_username(request, credentials) -> str | None:
    """The account a login names, normalised as stored (``" Staff@X.com"`` is ``staff@x.com``).

    Axes would read one key only; the admin form sends ``username`` and the token endpoint
    ``email``, and a differently cased address must not open a fresh count.
    """
    raw = None
    if credentials:
        raw = credentials.get("username") or credentials.get("email")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return UserManager.normalize_email(raw) if isinstance(raw, str) else None


class AdminLockoutBackend(AxesStandaloneBackend):
    """Axes' backend (first in AUTHENTICATION_BACKENDS), letting calls without a request through.

    Axes raises on ``authenticate()`` without a request (the shell, the test client's
    ``login()``). Such a call is no admin login, the only kind the lockout covers here
    (``AXES_ONLY_ADMIN_SITE``), so it passes on to the next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class AdminLoginHandler(AxesDatabaseHandler):
    """Axes' database handler, recording logins to the admin only.

    ``AXES_ONLY_ADMIN_SITE`` makes axes enforce its lockout on the admin only, but its handler
    would still record every failed ``authenticate()`` with a request, the API's token endpoint
    included: API guesses would lock staff out of the admin, and each would cost writes. The
    token endpoint is bounded by its own throttles (accounts/throttles.py) and answers JSON.
    Successful logins elsewhere (the test client's) neither log access nor clear the count.
    """

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if self._admin(request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        if self._admin(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        if self._admin(request):
            super().user_logged_out(sender, request, user, **kwargs)

    def _admin(self, request) -> bool:
        return request is not None and self.is_admin_request(request)
