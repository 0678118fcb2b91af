"""Concurrency on PostgreSQL with real threads: concurrent replacements queue, none fails."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from content import services
from content.models import Blog, BlogImage, Media, Post
from ultraminebackend.files.testing import image_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent writers need PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]


def run_concurrently(n, fn):
    """Start ``n`` threads at the same moment; each returns "ok" or its exception's class name."""
    barrier = threading.Barrier(n)

    def worker(i):
        barrier.wait()
        try:
            fn(i)
            return "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test counts
            return type(exc).__name__
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(worker, range(n)))


def test_concurrent_media_replacements_queue_and_one_set_remains(user):
    post = services.post_create(user=user, caption="x", media=[image_file()])

    outcomes = run_concurrently(
        8,
        lambda i: services.post_update(
            post=Post.objects.get(pk=post.pk),
            data={},
            media=[image_file(f"{i}-a.jpg"), image_file(f"{i}-b.jpg")],
        ),
    )

    assert outcomes == ["ok"] * 8
    assert list(Media.objects.filter(post=post).values_list("position", flat=True)) == [0, 1]


def test_concurrent_banner_replacements_queue_and_one_banner_remains(user):
    blog = services.blog_create(author=user, title="x", banner=image_file())

    outcomes = run_concurrently(
        8,
        lambda i: services.blog_update(
            blog=Blog.objects.get(pk=blog.pk), data={}, banner=image_file(f"{i}.jpg")
        ),
    )

    assert outcomes == ["ok"] * 8
    assert BlogImage.objects.filter(blog=blog, role="banner").count() == 1
