"""Routes of direct uploads (mounted under ``/api/uploads``)."""

from django.urls import re_path

from .views import LocalUploadView, UploadCreateView

urlpatterns = [
    re_path(r"^/?$", UploadCreateView.as_view(), name="upload-create"),
    re_path(r"^/local/?$", LocalUploadView.as_view(), name="upload-local"),
]
