"""Serializer fields every app uses: uploads through the intakes, and absolute URLs."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..processing import video
from ..processing.intake import intake_image
from .links import file_url, name_thumbnail_url, name_url, thumbnail_url

URL_SCHEMA = {"type": "string", "format": "uri", "nullable": True}


@extend_schema_field(URL_SCHEMA)
class RequestUrlField(serializers.Field):
    """Read-only URL made from the value and the request by ``url_of(value, request)``.

    The request is an argument rather than read from the serializer's context, so one field
    instance can serve every request (``FastReadMixin`` compiles it into a shared plan).
    Subclasses set ``url_of``; with ``source="*"`` the value is the whole instance. Over a model
    file field, ``url_of_name(storage, name, request)``, when set, answers the same from the
    stored name alone, which ``FastReadMixin`` reads without building a FieldFile per row.
    """

    url_of_name = None

    @staticmethod
    def url_of(value, request) -> str | None:
        raise NotImplementedError

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.url_of(value, self.context.get("request"))


class FileUrlField(RequestUrlField):
    """Read-only absolute URL of a file field: ``image_url = FileUrlField(source="image")``.

    Public files get their plain URL, private ones a fresh signed URL that expires; see
    ``ultraminebackend.files.storage.links``.
    """

    url_of = staticmethod(file_url)
    url_of_name = staticmethod(name_url)


class ThumbnailUrlField(FileUrlField):
    """Absolute URL of the WebP thumbnail stored beside a public image (``X_thumbnail_url``)."""

    url_of = staticmethod(thumbnail_url)
    url_of_name = staticmethod(name_thumbnail_url)


class ImageUploadField(serializers.ImageField):
    """The upload field for every image: the intake validates and normalises it first.

    The value handed to the service is the re-encoded ``IntakeImage`` (named
    ``image.<real ext>``); the model field stores its thumbnail beside it. ``private=True``
    (payment evidence) skips the public thumbnail and computes the perceptual hash instead
    (``IntakeImage.fingerprint``), from the same decode.
    """

    def __init__(self, *, private: bool = False, **kwargs):
        self.private = private
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        upload = serializers.FileField.to_internal_value(self, data)  # presence, name, size
        try:
            return intake_image(upload, thumbnail=not self.private, fingerprint=self.private)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None


@extend_schema_field({"type": "string", "format": "binary"})
class MediaUploadField(serializers.FileField):
    """An image or a video, told apart by its bytes (never by its name or content type).

    The value is what ``video.intake_media`` returns: an ``IntakeImage`` (as ``ImageUploadField``
    gives) or a ``VideoIntake`` around the upload, unread beyond its head.
    """

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)  # presence, name, size
        try:
            return video.intake_media(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None
