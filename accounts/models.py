"""The user model: email is the login, compared case-insensitively."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


def owner(related_name: str, on_delete=models.CASCADE) -> models.ForeignKey:
    """The user a record belongs to: the API shows it to them (and to staff) only."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=on_delete, related_name=related_name
    )


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # Stored lowercased, so the unique index also rejects "Ann@x.com" beside "ann@x.com".
        return super().normalize_email(email or "").strip().lower()

    def get_by_natural_key(self, username):
        # "Ann@Example.com" and "ann@example.com" are the same account.
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser needs is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        "email address",
        max_length=254,
        unique=True,
        error_messages={"unique": "A user with this email already exists."},
    )
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the admin and review orders and deposits."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Stamped into every JWT (claim "ver") and compared on each use: bumping it revokes every
    # token issued before, access tokens included, although they are never stored. A counter,
    # not a timestamp: a token issued in the same second as a password change is still refused.
    auth_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised when the password changes; tokens carrying an older value are refused.",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)
