"""Permissions of the content endpoints."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrStaff(BasePermission):
    """Reading follows the view's queryset; changing a row needs its owner or staff.

    The view names the owner field (``owner_field = "author"``).
    """

    message = "Only the owner (or staff) can change this."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_staff or getattr(obj, f"{view.owner_field}_id") == request.user.pk
