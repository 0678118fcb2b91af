"""Admin for generations: previews, prompt, status and timings (read-only history)."""

from django.contrib import admin
from django.utils.html import format_html

from ultraminebackend.assets.delivery import asset_thumbnail_url

from .models import Generation, GenerationReference


class GenerationReferenceInline(admin.TabularInline):
    """The second, third … reference images (private: the file field links a signed URL)."""

    model = GenerationReference
    extra = 0
    can_delete = False
    fields = readonly_fields = ("position", "file", "width", "height")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    inlines = [GenerationReferenceInline]
    list_display = (
        "id",
        "preview",
        "user",
        "short_prompt",
        "status",
        "provider",
        "storage",
        "duration_ms",
        "created_at",
    )
    list_filter = (
        "status",
        "billable",
        "provider",
        "model",
        "storage",
        "aspect_ratio",
        "image_size",
        "created_at",
    )
    list_select_related = ("user",)
    search_fields = ("prompt", "user__email", "error_code")
    readonly_fields = [field.name for field in Generation._meta.fields] + ["preview"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="prompt")
    def short_prompt(self, generation):
        return generation.prompt[:80]

    @admin.display(description="preview")
    def preview(self, generation):
        url = asset_thumbnail_url(generation)
        if url is None:
            return "-"
        return format_html('<img src="{}" style="max-height:80px;max-width:160px" alt="">', url)
