"""Uploads never attached are removed after ``UPLOAD_TTL_S``: their row and quarantined file."""

from datetime import datetime, timedelta

from django.conf import settings

from ultraminebackend.files.storage.cleanup import delete_quietly

from .models import Upload
from .targets import quarantine_storage

# Uploads removed per sweep (the worker sweeps again every TASK_RECOVERY_INTERVAL_S).
BATCH = 500


def expire_uploads(now: datetime) -> dict[str, int]:
    """Delete uploads older than ``UPLOAD_TTL_S`` at ``now``, objects first; used ones too,
    since S3 takes posts to a presigned POST until it expires, even after the upload was used.
    The task worker runs it periodically; ``manage.py expire_uploads`` by hand."""
    cutoff = now - timedelta(seconds=settings.UPLOAD_TTL_S)
    old = list(Upload.objects.filter(created_at__lt=cutoff).values_list("pk", "name")[:BATCH])
    delete_quietly(quarantine_storage(), [name for _, name in old])
    deleted, _ = Upload.objects.filter(pk__in=[pk for pk, _ in old]).delete()
    return {"uploads_expired": deleted}
