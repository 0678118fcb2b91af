"""Account writes."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

User = get_user_model()


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account; a concurrent registration of the same email is a 400, not a 500."""
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError:
        raise ValidationError({"email": ["A user with this email already exists."]}) from None
