"""drf-spectacular extensions for our auth classes (its simplejwt ones match exact classes only)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class VersionedJWTScheme(SimpleJWTScheme):
    """The same ``Bearer`` security scheme (``jwtAuth``) for our JWTAuthentication subclass."""

    target_class = "accounts.authentication.JWTAuthentication"
