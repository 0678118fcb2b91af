"""Bearer JWT authentication that refuses tokens issued before the user's last password change."""

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken

from .tokens import token_version


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication plus the ``ver`` check (see accounts/tokens.py).

    A revoked token answers like an expired one (401, code ``token_not_valid``), so clients
    handle both the same way: refresh, and sign in again if that fails too.
    """

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if token_version(validated_token) != user.auth_version:
            raise InvalidToken("Token has been revoked.")
        return user
