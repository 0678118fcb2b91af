"""Input and output shapes of the auth endpoints."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_simplejwt.serializers import PasswordField, TokenObtainPairSerializer

from .services import token_refresh
from .tokens import RefreshToken

User = get_user_model()


def _password_field():
    # Never stripped: spaces are legitimate characters; whitespace-only is refused by
    # accounts.validators.NotBlankPasswordValidator among Django's validators.
    return serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


def _validate_password(password: str, user) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS, as a DRF error on the field being validated."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from None


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "is_staff", "date_joined"]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field()
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_email(self, value):
        value = User.objects.normalize_email(value)
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError("A user with this email already exists.")
        return value

    def validate(self, attrs):
        # Django's validators compare the password with the user's own attributes.
        candidate = User(email=attrs["email"], name=attrs.get("name", ""))
        try:
            _validate_password(attrs["password"], candidate)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from None
        return attrs


class TokenObtainSerializer(TokenObtainPairSerializer):
    """``{email, password}`` → ``{access, refresh}``, tokens carrying the auth version."""

    token_class = RefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # simplejwt's password field strips: a password registered with a leading or trailing
        # space could never sign in.
        self.fields["password"] = PasswordField(trim_whitespace=False, max_length=128)


class TokenPairSerializer(serializers.Serializer):
    """What sign-in and refresh answer."""

    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class TokenRefreshSerializer(serializers.Serializer):
    """``{refresh}`` → a new ``{access, refresh}``; the refresh token sent is spent."""

    refresh = serializers.CharField(write_only=True)

    def validate(self, attrs):
        token = token_refresh(refresh=attrs["refresh"])
        return {"access": str(token.access_token), "refresh": str(token)}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(write_only=True)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password_field()
    new_password = _password_field()

    def validate_current_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(
                "The current password is incorrect.", code="password_incorrect"
            )
        return value

    def validate_new_password(self, value):
        _validate_password(value, self.context["request"].user)
        return value
