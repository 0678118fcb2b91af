"""Password validators of our own, listed in AUTH_PASSWORD_VALIDATORS beside Django's."""

from django.core.exceptions import ValidationError


class NotBlankPasswordValidator:
    """Refuses a password of whitespace only.

    Passwords are never stripped (a space is a legitimate character), so eight spaces pass
    Django's length check; they are no secret. Through AUTH_PASSWORD_VALIDATORS it applies
    wherever Django validates a password: registration, password change, the admin, the
    ``changepassword`` command.
    """

    def validate(self, password, user=None):
        if not password.strip():
            raise ValidationError(
                "This password is only whitespace.", code="password_only_whitespace"
            )

    def get_help_text(self):
        return "Your password can't be only whitespace."
