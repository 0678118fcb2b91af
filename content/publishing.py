"""Scheduled posts publish themselves: the task worker's sweep (and ``publish_due_posts``).

Every ``POST_PUBLISH_INTERVAL_S`` each worker asks for the scheduled posts whose time has come and
moves each one with a conditional ``UPDATE … WHERE status = 'scheduled' AND scheduled_at <= now``:
however many workers sweep at once, one update wins and the post is published once. A post moved
to a later time or back to draft before then no longer matches, so nothing stale publishes it.

A post whose media is no longer in our storage is not published half-empty: it becomes ``failed``
with ``publish_error`` saying which item is missing. Media on a CDN are trusted (the CDN is their
source of truth; asking it would be a network call per item per sweep).
"""

import logging
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from ultraminebackend.assets.models import Storage
from ultraminebackend.files.storage.errors import STORAGE_ERRORS

from .models import Media, Post

logger = logging.getLogger(__name__)


class StorageUnreachable(Exception):
    """Our storage did not answer: the post stays scheduled and the next sweep tries again."""


def post_missing_media(*, post: Post) -> str:
    """Why the post's media cannot be published (an item gone from our storage), or ''."""
    for item in post.media.all():
        if item.storage != Storage.MEDIA:
            continue
        name = item.file.name
        try:
            present = bool(name) and item.file.storage.exists(name)
        except STORAGE_ERRORS as exc:
            raise StorageUnreachable(str(exc)) from exc
        if not present:
            return (
                f"Media item {item.position} ({item.type}, {name or 'no file'}) is no longer in "
                "storage. Replace the post's media and schedule it again."
            )
    return ""


def posts_publish_due(now: datetime | None = None) -> dict[str, int]:
    """Publish (or fail) every scheduled post due at ``now``; counts what this call changed."""
    now = now or timezone.now()
    due = (
        Post.objects.filter(status=Post.Status.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "id")
        .prefetch_related(Prefetch("media", queryset=Media.objects.order_by("position")))
    )
    counts = {"posts_published": 0, "posts_failed": 0}
    for post in due.iterator(chunk_size=100):
        # Storage is asked first, outside any transaction (no lock waits for a network call).
        try:
            error = post_missing_media(post=post)
        except StorageUnreachable as exc:
            logger.warning("post %s stays scheduled: storage unreachable (%s)", post.pk, exc)
            continue
        if post_settle(post_id=post.pk, now=now, error=error):
            counts["posts_failed" if error else "posts_published"] += 1
    if any(counts.values()):
        logger.info("scheduled posts settled: %s", counts)
    return counts


def post_settle(*, post_id: int, now: datetime, error: str = "") -> bool:
    """Publish the post (or fail it with ``error``) if it is still scheduled and due at ``now``.

    One guarded ``UPDATE``: true for the one caller that moved it, false for every other.
    """
    still_due = Post.objects.filter(pk=post_id, status=Post.Status.SCHEDULED, scheduled_at__lte=now)
    if error:
        changed = still_due.update(status=Post.Status.FAILED, publish_error=error, updated_at=now)
    else:
        changed = still_due.update(status=Post.Status.PUBLISHED, published_at=now, updated_at=now)
    return changed == 1
