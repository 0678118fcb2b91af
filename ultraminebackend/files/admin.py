"""Admin helpers: image previews and links built by the same URL builder as the API."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .links import file_url


def image_preview(file, *, height: int = 80) -> str:
    """An <img> for public images, a signed link for private ones, or a dash.

    Built without a request: local URLs stay host-relative, which the admin's own page resolves,
    and ModelAdmin instances are shared between threads, so they must not hold one.
    """
    url = file_url(file)
    if not url:
        return "-"
    if getattr(file.storage, "is_private", False):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">open (signed link)</a>', url
        )
    return format_html(
        '<a href="{0}" target="_blank" rel="noopener">'
        '<img src="{0}" style="max-height:{1}px;max-width:160px" alt=""></a>',
        url,
        height,
    )


class ImagePreviewMixin:
    """A read-only ``previews`` field/column: set ``preview_fields = ("image",)``."""

    preview_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "previews")

    @admin.display(description="preview")
    def previews(self, obj):
        return format_html_join(
            " ", "{}", ((image_preview(getattr(obj, name)),) for name in self.preview_fields)
        )
