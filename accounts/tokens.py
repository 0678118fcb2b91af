"""JWTs that carry the user's auth version, so a password change revokes every earlier token.

``ver`` is ``User.auth_version`` at issue, raised by a password change; no extra query.
"""

from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken as SimpleRefreshToken
from rest_framework_simplejwt.tokens import Token

VERSION_CLAIM = "ver"


def token_version(token: Token) -> int:
    """The auth version a token was issued under.

    Tokens issued before the claim existed carry none and read as 0, the version every account
    starts with: they stop working at the account's first password change, like any other.
    """
    value = token.get(VERSION_CLAIM, 0)
    return value if type(value) is int else -1  # a forged type can match no account


def token_user_id(token: Token) -> str:
    return str(token.get(api_settings.USER_ID_CLAIM, ""))


class _VersionClaim(Token):
    """Adds ``ver`` while the token is made for a user, before the blacklist app stores it."""

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[VERSION_CLAIM] = user.auth_version
        return token


class RefreshToken(SimpleRefreshToken, _VersionClaim):
    """simplejwt's refresh token (outstanding/blacklist rows included) with the ``ver`` claim.

    The method order puts ``_VersionClaim.for_user`` below the blacklist mixin's, so the stored
    copy the admin shows is the token as issued; access tokens made from it copy ``ver``.
    """
