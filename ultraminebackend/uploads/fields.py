"""``X_upload``: a direct upload's id where a body takes file field ``X``, resolved to exactly
what ``X`` gives for a posted file (the same intake), so services are unchanged. Declare
``UploadRefField("<purpose>", source="X")`` and mix in ``UploadRefsMixin``."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import claims
from .models import Upload
from .purposes import PURPOSES
from .verify import quarantined_file

# Refusals that end an upload (its file is deleted); others (nothing posted yet) leave it usable.
_FINAL_REFUSALS = {"upload_empty", "upload_larger_than_declared", "upload_too_large"}


@extend_schema_field({"type": "string", "format": "uuid"})
class UploadRefField(serializers.Field):
    """The id of the caller's unused upload for ``purpose``; its value is the intake's file.
    ``file_required=True``: the body needs the file field (declared ``required=False``) or this."""

    default_error_messages = {
        "invalid": "Must be an upload id (a UUID answered by POST /api/uploads/).",
        "not_found": "You have no upload with this id.",
        "wrong_purpose": "This upload is for '{actual}', not '{expected}'.",
        "used": "This upload was already used; upload the file again.",
        "expired": "This upload expired; upload the file again.",
    }

    def __init__(self, purpose: str, *, file_required: bool = False, **kwargs):
        self.purpose = purpose
        self.file_required = file_required
        self.intake_field = PURPOSES[purpose].intake_field
        kwargs.setdefault("required", False)
        kwargs.setdefault("write_only", True)  # answers carry the stored file, never the id
        kwargs.setdefault(
            "help_text", f"Instead of the file: the id of your upload for `{purpose}`."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        upload = self._find(data)
        try:
            claims.claim(upload)
        except claims.NotClaimable:
            self.fail("used")
        try:
            file = quarantined_file(upload)
        except DjangoValidationError as exc:
            if exc.code in _FINAL_REFUSALS:
                claims.reject(upload)
            raise serializers.ValidationError(exc.messages, code=exc.code) from None
        try:
            return self.intake_field().run_validation(file)
        except serializers.ValidationError:
            claims.reject(upload)  # the bytes are not what the purpose takes: never usable
            raise

    def _find(self, data) -> Upload:
        try:
            upload_id = uuid.UUID(data) if isinstance(data, str) else None
        except ValueError:
            upload_id = None
        if upload_id is None:
            self.fail("invalid")
        request = self.context.get("request")
        owner = getattr(request, "user", None)
        if owner is None or not owner.is_authenticated:
            self.fail("not_found")
        # Someone else's upload is answered as missing: ids of other users are not confirmed.
        upload = Upload.objects.filter(pk=upload_id, owner=owner).first()
        if upload is None:
            self.fail("not_found")
        if upload.purpose != self.purpose:
            self.fail("wrong_purpose", actual=upload.purpose, expected=self.purpose)
        if upload.state != Upload.State.PENDING:
            self.fail("used")
        if timezone.now() >= upload.expires_at:
            self.fail("expired")
        return upload


class UploadRefsMixin:
    """``X`` or ``X_upload``, never both; checked before any upload is claimed. No
    ``get_fields`` override, so ``FastReadMixin`` keeps its shared plan."""

    def upload_pairs(self) -> dict[str, tuple[str, bool]]:
        """``X_upload`` -> (``X``, whether one of the two is required)."""
        pairs = {}
        for name, field in self.fields.items():
            ref = field.child if isinstance(field, serializers.ListField) else field
            if isinstance(ref, UploadRefField):
                pairs[name] = (field.source, ref.file_required)
        return pairs

    def to_internal_value(self, data):
        pairs = self.upload_pairs()
        sent = set(data) if hasattr(data, "keys") else set()
        both = {
            upload: [f"Send either {file} or {upload}, not both."]
            for upload, (file, _) in pairs.items()
            if upload in sent and file in sent
        }
        if both:
            raise serializers.ValidationError(both, code="invalid")
        missing = {} if self.partial else self._missing(data, sent, pairs)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not missing or not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**missing, **exc.detail}) from None
        if missing:
            raise serializers.ValidationError(missing, code="required")
        return value

    @staticmethod
    def _missing(data, sent: set, pairs: dict) -> dict:
        given = {name for name in sent if data.get(name) not in ("", None)}
        return {
            file: [f"No file was submitted: send {file} or {upload}."]
            for upload, (file, required) in pairs.items()
            if required and not given & {file, upload}
        }
