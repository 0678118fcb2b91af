"""API shapes of the AI agent: the generate-image request and the generation record."""

from rest_framework import serializers

from ultraminebackend import formdata
from ultraminebackend.assets.delivery import asset_thumbnail_url, asset_url
from ultraminebackend.assets.models import Storage
from ultraminebackend.files.storage.fields import FileUrlField, ImageUploadField, RequestUrlField
from ultraminebackend.serializers import FastReadMixin
from ultraminebackend.uploads.fields import UploadRefField, UploadRefsMixin

from .models import Generation
from .providers import ASPECT_RATIOS, STYLES
from .providers.base import PROVIDERS
from .providers.prompting import MAX_PROMPT_CHARS


class GenerateImageSerializer(UploadRefsMixin, serializers.Serializer):
    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS)
    style = serializers.ChoiceField(
        choices=sorted(STYLES), required=False, allow_blank=True, default=""
    )
    aspect_ratio = serializers.ChoiceField(
        choices=list(ASPECT_RATIOS), required=False, allow_null=True
    )
    reference_image = ImageUploadField(required=False, private=True)
    reference_image_upload = UploadRefField("ai.reference_image", source="reference_image")
    return_base64 = formdata.BooleanField(default=False)

    def get_fields(self):
        fields = super().get_fields()
        # "async" is a Python keyword, so it cannot be a class attribute.
        fields["async"] = formdata.BooleanField(
            default=False, help_text="Answer 202 at once and generate in the background."
        )
        return fields


class GenerationImageUrlField(RequestUrlField):
    """The image wherever it lives: a CDN (delivered at the best quality) or our storage."""

    url_of = staticmethod(asset_url)

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)


class GenerationThumbnailUrlField(GenerationImageUrlField):
    """Its thumbnail: a CDN transformation, or the WebP stored beside our copy."""

    url_of = staticmethod(asset_thumbnail_url)


class GenerationSerializer(FastReadMixin, serializers.ModelSerializer):
    # Declared so the schema says "" too: DRF drops allow_blank from read-only model fields, and a
    # pending or failed record has no storage yet (schemathesis found the enum without it).
    storage = serializers.ChoiceField(
        choices=Storage.choices,
        allow_blank=True,
        read_only=True,
        help_text="Where the image lives; empty until it is stored.",
    )
    # Enums, so a generated client knows the values (the model columns are plain text).
    style = serializers.ChoiceField(choices=sorted(STYLES), allow_blank=True, read_only=True)
    aspect_ratio = serializers.ChoiceField(choices=list(ASPECT_RATIOS), read_only=True)
    provider = serializers.ChoiceField(
        choices=list(PROVIDERS),
        allow_blank=True,
        read_only=True,
        help_text="Empty when AI_IMAGE_PROVIDER names no provider (error_code provider_unknown).",
    )
    error_code = serializers.CharField(read_only=True, allow_null=True)
    error_message = serializers.CharField(read_only=True, allow_null=True)
    # The shared asset columns, under the names the API has always answered.
    cloudinary_public_id = serializers.CharField(
        source="public_id",
        read_only=True,
        help_text=(
            "The CDN's id of the image (`storage` says which CDN): Cloudinary's public_id, or "
            "ImageKit's file path; empty on our storage."
        ),
    )
    cloudinary_asset_id = serializers.CharField(
        source="asset_id",
        read_only=True,
        help_text="Cloudinary's asset_id, or ImageKit's fileId; empty on our storage.",
    )
    image_url = GenerationImageUrlField()
    image_thumbnail_url = GenerationThumbnailUrlField()
    reference_url = FileUrlField(source="reference")

    class Meta:
        model = Generation
        fields = [
            "id",
            "status",
            "prompt",
            "style",
            "enhanced_prompt",
            "aspect_ratio",
            "aspect_ratio_source",
            "reference_width",
            "reference_height",
            "reference_url",
            "provider",
            "model",
            "is_async",
            "storage",
            "image",
            "image_url",
            "image_thumbnail_url",
            "cloudinary_public_id",
            "cloudinary_asset_id",
            "width",
            "height",
            "bytes",
            "format",
            "error_code",
            "error_message",
            "duration_ms",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, generation):
        data = super().to_representation(generation)
        # The contract answers null, not "", while nothing failed.
        for name in ("error_code", "error_message"):
            data[name] = data[name] or None
        return data


class GenerationWithImageSerializer(GenerationSerializer):
    """A generation as generate-image answers it: with the image itself when ``return_base64``
    was asked and the image is ready (synchronous success); both fields absent otherwise."""

    image_base64 = serializers.CharField(
        read_only=True, required=False, help_text="The generated image, base64-encoded."
    )
    image_mime_type = serializers.CharField(
        read_only=True, required=False, help_text="Its media type, e.g. image/png."
    )

    class Meta(GenerationSerializer.Meta):
        fields = [*GenerationSerializer.Meta.fields, "image_base64", "image_mime_type"]
        read_only_fields = fields
