"""``expire_uploads``: remove now the direct uploads never attached (the worker does it too)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from ultraminebackend.uploads.expiry import expire_uploads


class Command(BaseCommand):
    help = "Delete uploads (row and quarantined file) older than UPLOAD_TTL_S seconds."

    def handle(self, *args, **options):
        counts = expire_uploads(timezone.now())
        self.stdout.write(f"uploads expired: {counts['uploads_expired']}")
