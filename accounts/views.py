"""Auth endpoints: register, JWT pair and refresh, and the current user."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .serializers import RegisterSerializer, UserSerializer
from .services import user_register
from .throttles import AccountRateThrottle


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    """``{email, password}`` → ``{access, refresh}``; throttled against password guessing.

    Per client address (``AUTH_THROTTLE_RATE``) and per account (``AUTH_ACCOUNT_THROTTLE_RATE``,
    keyed on the email sent): guessing one password is bounded whatever the address.
    """

    throttle_classes = [ScopedRateThrottle, AccountRateThrottle]
    throttle_scope = "auth"


class TokenRefresh(TokenRefreshView):
    """``{refresh}`` → ``{access}``; not throttled: it needs a valid signed token already."""


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user; ``PATCH`` may change the name."""

    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user
