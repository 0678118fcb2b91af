"""``publish_due_posts``: publish now the scheduled posts that are due (the worker does it too)."""

from django.core.management.base import BaseCommand

from content.publishing import posts_publish_due


class Command(BaseCommand):
    help = (
        "Publish every scheduled post whose scheduled_at has passed (once, however many run at "
        "once); a post whose media left our storage becomes failed with publish_error."
    )

    def handle(self, *args, **options):
        counts = posts_publish_due()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
