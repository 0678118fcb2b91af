"""Announced uploads in the admin: view-only (they are made by the API and settled by requests)."""

from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "purpose", "content_type", "size", "state", "created_at"]
    list_filter = ["purpose", "state"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
