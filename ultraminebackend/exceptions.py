"""API errors shared by every app: a service's refusal or a value the database refuses is a 4xx
naming the field, never a 500. See docs/request-limits.md.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status

logger = logging.getLogger(__name__)


def field_error(field: str, message: str, code: str, **params) -> DjangoValidationError:
    """A service's refusal naming the field it is about (the API answers it as a 400)."""
    error = DjangoValidationError(message, code=code, params=params or None)
    return DjangoValidationError({field: error})


class Conflict(exceptions.APIException):
    """Valid request, but the resource's state forbids it (e.g. a deposit already reviewed)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed state; reload it and try again."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; nothing was saved. Try again shortly."
    default_code = "service_unavailable"


class InvalidData(exceptions.APIException):
    """The database refused a value the request carried (out of range, or breaking a CHECK)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "A value is out of the range the store accepts; nothing was saved."
    default_code = "invalid_data"


# How the drivers name a value that breaks a rule, as opposed to a race with another write
# (unique, foreign key): PostgreSQL's SQLSTATE check_violation and not_null_violation, and the
# start of SQLite's message.
_VALUE_SQLSTATES = ("23514", "23502")
_VALUE_SQLITE_MESSAGES = ("CHECK constraint failed", "NOT NULL constraint failed")


def _is_value_violation(exc: IntegrityError) -> bool:
    if getattr(exc.__cause__, "sqlstate", None) in _VALUE_SQLSTATES:
        return True
    return str(exc).startswith(_VALUE_SQLITE_MESSAGES)


def _database_refusal(exc: DataError | IntegrityError) -> exceptions.APIException:
    if isinstance(exc, IntegrityError) and not _is_value_violation(exc):
        logger.warning("database refused a write: %s", exc)
        return Conflict(
            "The change conflicts with data stored meanwhile; nothing was saved. Reload and "
            "try again.",
            code="integrity_conflict",
        )
    # Validation should have refused this before the write: an error, so it gets fixed.
    logger.error("database refused a value: %s", exc, exc_info=exc)
    if isinstance(exc, IntegrityError):
        return InvalidData(
            "A value breaks a rule of the store; nothing was saved.", code="constraint_violated"
        )
    return InvalidData()


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ProtectedError | RestrictedError):
        # e.g. deleting a product that orders still reference: history is kept, not cascaded.
        related = getattr(exc, "protected_objects", None) or exc.restricted_objects
        names = sorted({str(obj._meta.verbose_name_plural) for obj in related})
        exc = Conflict(f"Cannot delete: still referenced by {', '.join(names)}.", code="protected")
    elif isinstance(exc, DataError | IntegrityError):
        exc = _database_refusal(exc)
    elif isinstance(exc, OperationalError | InterfaceError):
        # The database went away or refused the write: transient, and the transaction (with the
        # files stored inside it) was rolled back, so "try again" is the honest answer.
        logger.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        exc = ServiceUnavailable()
    # Imported here: rest_framework.views loads the auth classes, which need SECRET_KEY, and this
    # module is imported by admin modules during setup, before secrets exist (collectstatic).
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
