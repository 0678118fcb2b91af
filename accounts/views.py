"""Auth endpoints: register, JWT pair, refresh, logout, password change, and the current user."""

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from ultraminebackend.throttling import ScopedThrottle
from ultraminebackend.views import ServiceViewMixin

from . import schema  # noqa: F401 - registers the OpenAPI scheme of our JWT authentication
from .serializers import (
    LogoutSerializer,
    PasswordChangeSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from .services import token_revoke, user_password_change, user_register
from .throttles import AccountRateThrottle


class RegisterView(ServiceViewMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        user = user_register(**self.validated(RegisterSerializer))
        return self.answer(user, UserSerializer, code=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    """``{email, password}`` → ``{access, refresh}``; throttled against password guessing.

    Per client address (``AUTH_THROTTLE_RATE``) and per account (``AUTH_ACCOUNT_THROTTLE_RATE``,
    keyed on the email sent): guessing one password is bounded whatever the address.
    """

    serializer_class = TokenObtainSerializer
    throttle_classes = [ScopedThrottle, AccountRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenObtainSerializer,
        responses={
            200: TokenPairSerializer,
            # No authenticator here, so the schema's derived errors (ultraminebackend/schema.py)
            # cannot know this one: an ErrorDetail.
            401: OpenApiResponse(
                description="Wrong email or password, or the account is inactive."
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefresh(TokenRefreshView):
    """``{refresh}`` → a new ``{access, refresh}``; the refresh token sent is spent.

    Not throttled: it needs a valid signed token already. A spent, revoked or expired refresh
    token answers 401: sign in again.
    """

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        request=TokenRefreshSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="A spent, revoked or expired refresh token."),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(ServiceViewMixin, APIView):
    """Revoke one of your refresh tokens (``{refresh}`` → 204).

    The access token keeps working until it expires; the client discards it.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={204: None})
    def post(self, request):
        token_revoke(user=request.user, refresh=self.validated(LogoutSerializer)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(ServiceViewMixin, APIView):
    """Change your password (→ 204); every earlier access and refresh token stops working.

    Throttled like sign-in (per user, and per account with the token endpoint's budget), since a
    wrong ``current_password`` is a guess like any other.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedThrottle, AccountRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        new_password = self.validated(PasswordChangeSerializer)["new_password"]
        user_password_change(user=request.user, new_password=new_password)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # Keep the browsable API's own session, as Django's password views do; every other
            # session is invalidated by the new password hash.
            update_session_auth_hash(request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user; ``PATCH`` may change the name."""

    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user
