"""Content reads: who sees which rows, with the prefetches every list needs (constant queries)."""

from django.db.models import Prefetch, Q, QuerySet

from .models import Blog, BlogImage, Brand, Media, Post


def brand_list(*, user) -> QuerySet[Brand]:
    """Own brands; staff see every brand."""
    return Brand.objects.all() if user.is_staff else Brand.objects.filter(owner=user)


def post_list(*, user) -> QuerySet[Post]:
    """Own posts with their media in order; staff see every post."""
    posts = Post.objects.prefetch_related(
        Prefetch("media", queryset=Media.objects.order_by("position", "id"))
    )
    return posts if user.is_staff else posts.filter(user=user)


def blog_list(*, user) -> QuerySet[Blog]:
    """Published blogs for anyone, plus the user's own drafts; staff see every blog."""
    blogs = Blog.objects.prefetch_related(Prefetch("images", queryset=BlogImage.objects.all()))
    if user.is_staff:
        return blogs
    visible = Q(status=Blog.Status.PUBLISHED)
    if user.is_authenticated:
        visible |= Q(author=user)
    return blogs.filter(visible)
