"""Serializer field every app uses to emit ``X_url`` beside a file field ``X``."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .links import file_url


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class FileUrlField(serializers.Field):
    """Read-only absolute URL of a file field: ``image_url = FileUrlField(source="image")``.

    Public files get their plain URL, private ones a fresh signed URL that expires; see
    ``ultraminebackend.files.links``.
    """

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return file_url(value, self.context.get("request"))


class ImageUploadField(serializers.ImageField):
    """The upload field for every image: validates the content before anything is stored."""
