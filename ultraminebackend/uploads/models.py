"""An upload a user announced: where its file waits (quarantine) and whether it was used."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models

from .purposes import PURPOSES

QUARANTINE_PREFIX = "uploads/quarantine"


def quarantine_name(owner_id: int, upload_id: uuid.UUID) -> str:
    """The object's name in the private storage: never public, never a stored row's file."""
    return f"{QUARANTINE_PREFIX}/{owner_id}/{upload_id.hex}"


class Upload(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "waiting to be attached"
        CLAIMED = "claimed", "being attached by a request"
        ATTACHED = "attached", "attached (its quarantined file is gone)"
        REJECTED = "rejected", "refused by the intake (its quarantined file is gone)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    purpose = models.CharField(max_length=40, choices=[(p, p) for p in PURPOSES])
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(help_text="Declared size: the most the file may have.")
    name = models.CharField(max_length=200, help_text="Quarantined object in the private storage.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.purpose} upload {self.id} ({self.state})"

    @property
    def url_expires_at(self):
        return self.created_at + timedelta(seconds=settings.UPLOAD_URL_TTL)

    @property
    def expires_at(self):
        """Not attached by then, the upload is refused and the worker removes it."""
        return self.created_at + timedelta(seconds=settings.UPLOAD_TTL_S)
