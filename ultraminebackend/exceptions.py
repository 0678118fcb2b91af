"""API error handling shared by every app.

Services raise Django's ``ValidationError`` (so the admin can reuse them) and ``Conflict``; this
handler turns both into DRF responses with field names, so no domain error becomes a 500.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """Valid request, but the resource's state forbids it (e.g. a deposit already reviewed)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed state; reload it and try again."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; nothing was saved. Try again shortly."
    default_code = "service_unavailable"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ProtectedError | RestrictedError):
        # e.g. deleting a product that orders still reference: history is kept, not cascaded.
        related = getattr(exc, "protected_objects", None) or exc.restricted_objects
        names = sorted({str(obj._meta.verbose_name_plural) for obj in related})
        exc = Conflict(f"Cannot delete: still referenced by {', '.join(names)}.", code="protected")
    elif isinstance(exc, OperationalError | InterfaceError):
        # The database went away or refused the write: transient, and the transaction (with the
        # files stored inside it) was rolled back, so "try again" is the honest answer.
        logger.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        exc = ServiceUnavailable()
    # Imported here: rest_framework.views loads the auth classes, which need SECRET_KEY, and this
    # module is imported by admin modules during setup, before secrets exist (collectstatic).
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
