"""Admin for content: brands, posts with inline media previews, blogs with banner/featured previews.

Images are shown, not uploaded, here: the API's services run the intakes.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from ultraminebackend.assets.delivery import asset_name, asset_thumbnail_url, asset_url

from . import services
from .models import Blog, BlogImage, Brand, Media, Post


def asset_preview(asset, *, height: int = 80) -> str:
    """A thumbnail for images, a link for videos, a dash without an asset."""
    if asset is None:
        return "-"
    url = asset_url(asset)
    thumbnail = asset_thumbnail_url(asset)
    if thumbnail is None:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{} ({})</a>', url, "video", asset.format
        )
    return format_html(
        '<a href="{0}" target="_blank" rel="noopener">'
        '<img src="{1}" style="max-height:{2}px;max-width:160px" alt=""></a>',
        url,
        thumbnail,
        height,
    )


class _ReadOnlyAssetInline(admin.TabularInline):
    extra = 0
    can_delete = True
    readonly_fields = ("preview", "stored_as", "storage", "width", "height", "bytes", "format")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="preview")
    def preview(self, asset):
        return asset_preview(asset)

    @admin.display(description="stored as")
    def stored_as(self, asset):
        return asset_name(asset) or "-"


class MediaInline(_ReadOnlyAssetInline):
    model = Media
    fields = ("position", "type", "preview", "stored_as", "storage", "duration", "bytes")
    readonly_fields = (*_ReadOnlyAssetInline.readonly_fields, "position", "type", "duration")
    ordering = ("position",)


class BlogImageInline(_ReadOnlyAssetInline):
    model = BlogImage
    fields = ("role", "preview", "stored_as", "storage", "width", "height")
    readonly_fields = (*_ReadOnlyAssetInline.readonly_fields, "role")


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "slug", "owner__email")
    raw_id_fields = ("owner",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "brand",
        "short_caption",
        "status",
        "scheduled_at",
        "published_at",
        "media_count",
        "created_at",
    )
    list_filter = ("status", "scheduled_at", "published_at", "created_at")
    list_select_related = ("user", "brand")
    search_fields = ("caption", "user__email")
    raw_id_fields = ("user", "brand")
    # Both follow the status (the publishing sweep, or save_model below).
    readonly_fields = ("published_at", "publish_error")
    inlines = [MediaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(media_total=Count("media"))

    def save_model(self, request, obj, form, change):
        services.post_stamp_publication(post=obj)  # as the API keeps them
        super().save_model(request, obj, form, change)

    @admin.display(description="caption")
    def short_caption(self, post):
        return post.caption[:80]

    @admin.display(description="media", ordering="media_total")
    def media_count(self, post):
        return post.media_total


@admin.register(Blog)
class BlogAdmin(admin.ModelAdmin):
    list_display = ("title", "banner_preview", "author", "status", "published_at", "created_at")
    list_filter = ("status", "created_at")
    list_select_related = ("author",)
    search_fields = ("title", "slug", "author__email")
    prepopulated_fields = {"slug": ("title",)}
    raw_id_fields = ("author",)
    readonly_fields = ("published_at", "banner_preview", "featured_preview")
    inlines = [BlogImageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    def save_model(self, request, obj, form, change):
        services.blog_stamp_publication(blog=obj)  # published_at follows status, as in the API
        super().save_model(request, obj, form, change)

    @admin.display(description="banner")
    def banner_preview(self, blog):
        return asset_preview(blog.image_of(BlogImage.Role.BANNER), height=60)

    @admin.display(description="featured image")
    def featured_preview(self, blog):
        return asset_preview(blog.image_of(BlogImage.Role.FEATURED))
