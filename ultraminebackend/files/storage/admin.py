"""Admin helpers: image previews and links built by the same URL builder as the API."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .links import file_url, thumbnail_url
from .modelfields import PublicImageField

# Payment evidence is read on the page (an amount, a txid on a receipt), so it is shown larger.
PRIVATE_PREVIEW_HEIGHT = 320


def image_preview(file, *, height: int = 80) -> str:
    """The thumbnail of a public image, or a private image through its signed link, linking to
    the original.

    Built without a request: local URLs stay host-relative, which the admin's own page resolves,
    and ModelAdmin instances are shared between threads, so they must not hold one. A private
    file has no thumbnail, so its preview is the file itself: fine on a change page (one file),
    not as a changelist column (every original of the page).
    """
    url = file_url(file)
    if not url:
        return "-"
    if getattr(file.storage, "is_private", False):
        # The signed URL expires (PRIVATE_URL_TTL): a page left open past it shows a broken image.
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">'
            '<img src="{}" style="max-height:{}px;max-width:480px" '
            'alt="private evidence (signed link)"></a>',
            url,
            url,
            PRIVATE_PREVIEW_HEIGHT,
        )
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">'
        '<img src="{}" style="max-height:{}px;max-width:160px" alt="open the original"></a>',
        url,
        _preview_src(file, url),
        height,
    )


def _preview_src(file, url: str) -> str:
    """The WebP thumbnail where the field makes one, else the file itself.

    Public image fields always store one (the intake at upload, ``regenerate_thumbnails`` for
    older rows), so its URL is built from the name without asking storage: a changelist of 100
    products on S3 would otherwise cost 100 HEAD requests, and a full-size photo per row would
    cost megabytes per page.
    """
    if isinstance(file.field, PublicImageField):
        return thumbnail_url(file)
    return url


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
