"""Query-string filters of the content lists."""

import django_filters

from ultraminebackend.filters import IdFilter

from .models import Blog, Post


class PostFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand_id", help_text="Brand id.")

    class Meta:
        model = Post
        fields = ["status", "brand"]


class BlogFilter(django_filters.FilterSet):
    author = IdFilter(field_name="author_id", help_text="Author's user id.")

    class Meta:
        model = Blog
        fields = ["status", "author"]
