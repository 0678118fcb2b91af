"""Account writes: registration, password change, and the life of refresh tokens."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from .tokens import RefreshToken, token_user_id, token_version

User = get_user_model()


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account; a concurrent registration of the same email is a 400, not a 500."""
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError:
        raise ValidationError({"email": ["A user with this email already exists."]}) from None


def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password and revoke every token issued before (the caller checked the old one)."""
    user.set_password(new_password)
    user_credentials_save(user=user)


@transaction.atomic
def user_credentials_save(*, user: User) -> None:
    """Save the password just set on ``user``, and revoke every access and refresh token issued
    before: the API's password change and the admin's password form both end here.

    Raising ``auth_version`` in the database (not from the value read earlier) means two changes
    at once each move it on, and a sign-in that read the user before the change gets a token that
    is refused. The refresh tokens are also blacklisted so the admin lists them as revoked.
    """
    user.auth_version = F("auth_version") + 1
    user.save(update_fields=["password", "auth_version"])
    user.refresh_from_db(fields=["auth_version"])
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


def token_refresh(*, refresh: str) -> RefreshToken:
    """Spend a refresh token for a new one (rotation); each refresh token works once.

    Refused (401) when the token is invalid, expired or already spent, when its user is gone or
    inactive, or when it was issued before the user's last password change.
    """
    token = _refresh_token(refresh)
    user = User.objects.filter(pk=token_user_id(token)).first()
    if (
        user is None
        or not api_settings.USER_AUTHENTICATION_RULE(user)
        or token_version(token) != user.auth_version
    ):
        raise InvalidToken("Token has been revoked.")
    with transaction.atomic():
        # The blacklist row is the claim: of two requests spending one token at once, only the
        # one whose insert wins gets a new token (get_or_create reports the other as not created;
        # the blacklist check on reading the token cannot see a spend that is still in flight).
        _, spent_now = token.blacklist()
        if not spent_now:
            raise InvalidToken("Token is blacklisted")
        return RefreshToken.for_user(user)


def token_revoke(*, user: User, refresh: str) -> None:
    """Log out: revoke one of the user's own refresh tokens.

    Another user's token is a 400 naming ``refresh``: nobody revokes sessions they do not own.
    The access token keeps working until it expires (``JWT_ACCESS_MINUTES``); clients drop it.
    """
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise ValidationError({"refresh": [str(exc.args[0])]}) from None
    if token_user_id(token) != str(user.pk):
        raise ValidationError({"refresh": ["This token belongs to another user."]})
    with transaction.atomic():
        token.blacklist()


def _refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # signature, expiry, type, and not blacklisted
    except TokenError as exc:
        raise InvalidToken(exc.args[0]) from None
