"""Using an upload once: a guarded claim during validation, settled when the answer is known.

A success attaches the claims (their quarantined files go); a failure hands them back, so the
corrected request may use the same id. An upload the intake refused is rejected at once.
"""

import logging
from contextvars import ContextVar

from django.utils import timezone

from ultraminebackend.files.storage.cleanup import delete_quietly

from .models import Upload
from .targets import quarantine_storage

logger = logging.getLogger(__name__)

_claims: ContextVar[list[Upload] | None] = ContextVar("upload_claims", default=None)


class NotClaimable(Exception):
    """Another request claimed or used the upload first."""


def claim(upload: Upload) -> None:
    """``pending`` -> ``claimed``, guarded; remembered for the request's end."""
    won = Upload.objects.filter(pk=upload.pk, state=Upload.State.PENDING).update(
        state=Upload.State.CLAIMED, used_at=timezone.now()
    )
    if not won:
        raise NotClaimable()
    upload.state = Upload.State.CLAIMED
    claims = _claims.get()
    if claims is not None:
        claims.append(upload)


def reject(upload: Upload) -> None:
    """The intake refused the file: it will never be attached, so it goes now."""
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.REJECTED)
    upload.state = Upload.State.REJECTED
    delete_quietly(quarantine_storage(), [upload.name])


def attach(uploads: list[Upload]) -> None:
    ids = [u.pk for u in uploads if u.state == Upload.State.CLAIMED]
    Upload.objects.filter(pk__in=ids, state=Upload.State.CLAIMED).update(
        state=Upload.State.ATTACHED
    )
    delete_quietly(quarantine_storage(), [u.name for u in uploads if u.pk in ids])


def release(uploads: list[Upload]) -> None:
    ids = [u.pk for u in uploads if u.state == Upload.State.CLAIMED]
    Upload.objects.filter(pk__in=ids, state=Upload.State.CLAIMED).update(
        state=Upload.State.PENDING, used_at=None
    )


class UploadClaimsMiddleware:
    """Settles the uploads a request claimed: attached below 400, handed back otherwise.

    Claims made outside a request stay ``claimed`` until the expiry sweep.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        claims: list[Upload] = []
        token = _claims.set(claims)
        try:
            response = self.get_response(request)
        except BaseException:
            _settle(release, claims)
            raise
        finally:
            _claims.reset(token)
        _settle(attach if response.status_code < 400 else release, claims)
        return response


def _settle(action, claims: list[Upload]) -> None:
    if not claims:
        return
    try:
        action(claims)
    except Exception:  # the answer stands; the expiry sweep removes what is left
        logger.warning("could not settle direct uploads", exc_info=True)
