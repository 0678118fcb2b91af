"""Concurrency on PostgreSQL with real threads: concurrent replacements queue, none fails."""

from content import services
from content.models import Blog, BlogImage, Media, Post
from testsupport.db import POSTGRES_ONLY, run_concurrently
from testsupport.files import image_file

pytestmark = POSTGRES_ONLY


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
