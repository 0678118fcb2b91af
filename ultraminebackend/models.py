"""Fields the records of several apps share."""

from django.db import models


class Timestamped(models.Model):
    """When a record was created and last changed; lists show the newest first."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
