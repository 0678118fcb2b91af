"""API shapes of the AI agent: the generate-image request and the generation record."""

from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ultraminebackend import formdata
from ultraminebackend.assets.delivery import asset_thumbnail_url, asset_url
from ultraminebackend.assets.models import Storage
from ultraminebackend.files.storage.fields import (
    URL_SCHEMA,
    FileUrlField,
    ImageUploadField,
    RequestUrlField,
)
from ultraminebackend.files.storage.links import file_url
from ultraminebackend.schema import INLINE_ENUM, NULL_ONLY
from ultraminebackend.serializers import FastReadMixin
from ultraminebackend.uploads.fields import UploadRefField, UploadRefsMixin

from .models import Generation
from .providers import STYLES, capabilities
from .providers.base import PROVIDERS
from .providers.prompting import MAX_PROMPT_CHARS


class GenerateImageSerializer(UploadRefsMixin, serializers.Serializer):
    """The enums and limits of ``aspect_ratio``, ``image_size`` and ``reference_images`` are the
    configured model's (GEMINI_IMAGE_MODEL; ``providers/capabilities.py``), so the schema and the
    400s list what this deployment's model takes."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS)
    style = serializers.ChoiceField(
        choices=sorted(STYLES), required=False, allow_blank=True, default=""
    )
    reference_image = ImageUploadField(
        required=False,
        private=True,
        help_text="A reference image; it counts with reference_images towards the model's limit.",
    )
    reference_image_upload = UploadRefField("ai.reference_image", source="reference_image")
    return_base64 = formdata.BooleanField(default=False)

    def get_fields(self):
        fields = super().get_fields()
        fields.update(model_fields())
        # "async" is a Python keyword, so it cannot be a class attribute.
        fields["async"] = formdata.BooleanField(
            default=False, help_text="Answer 202 at once and generate in the background."
        )
        return fields

    def to_internal_value(self, data):
        # Counted before any file is parsed: each reference costs a full decode in the intake.
        model = capabilities.configured_model()
        limit = capabilities.capabilities_for(model).max_references
        count = sum(len(_values(data, name)) for name in REFERENCE_FIELDS)
        if count > limit:
            raise serializers.ValidationError(
                {
                    "reference_images": [
                        f"{model} takes at most {limit} reference images in all "
                        f"({', '.join(REFERENCE_FIELDS)}); got {count}."
                    ]
                },
                code="too_many_references",
            )
        return super().to_internal_value(data)


# The request fields that carry reference images (a direct upload stands for reference_image).
REFERENCE_FIELDS = ("reference_image", "reference_image_upload", "reference_images")


def model_fields() -> dict[str, serializers.Field]:
    """The request fields whose choices and limits are the configured model's."""
    model = capabilities.configured_model()
    caps = capabilities.capabilities_for(model)
    ratios = ", ".join(caps.ratios)
    sizes = ", ".join(caps.image_sizes)
    fields = {
        "aspect_ratio": serializers.ChoiceField(
            choices=list(caps.ratios),
            required=False,
            allow_null=True,
            help_text=f"The ratios {model} takes. Left out: the reference's shape picks one "
            "(AI_REFERENCE_RATIOS), else 1:1.",
            error_messages={
                "invalid_choice": f'"{{input}}" is not an aspect ratio {model} takes. '
                f"Allowed: {ratios}."
            },
        ),
        "image_size": serializers.ChoiceField(
            choices=list(caps.image_sizes),
            required=False,
            allow_null=True,
            help_text=(
                f"Output size (long side: 512 px, 1K, 2K, 4K) as {model} allows; "
                "left out: the model's default (1K)."
                if caps.image_sizes
                else f"{model} takes no image_size; leave it out."
            ),
            error_messages={
                "invalid_choice": f'"{{input}}" is not an image size {model} takes. '
                + (f"Allowed: {sizes}." if sizes else "It takes none: leave image_size out.")
            },
        ),
        "reference_images": serializers.ListField(
            child=ImageUploadField(private=True),
            required=False,
            max_length=caps.max_references,
            help_text=f"Reference images, in order (repeat the field for each file); with "
            f"reference_image, at most {caps.max_references} in all for {model}.",
        ),
    }
    # Inline enums: they vary with the model, and the answer has its own (every model's values).
    ratio_schema = {INLINE_ENUM: list(caps.ratios), "nullable": True}
    set_override(fields["aspect_ratio"], "field", ratio_schema)
    if caps.image_sizes:
        schema = {INLINE_ENUM: list(caps.image_sizes), "nullable": True}
    else:  # no value to offer: the schema says "null or left out"
        schema = {NULL_ONLY: True}
    set_override(fields["image_size"], "field", schema)
    return fields


def _values(data, name: str) -> list:
    """The values a form or JSON body gives for ``name`` (a repeatable field counts each)."""
    if hasattr(data, "getlist"):
        return [v for v in data.getlist(name) if v not in ("", None)]
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, list):
        return value
    return [] if value in ("", None) else [value]


class GenerationImageUrlField(RequestUrlField):
    """The image wherever it lives: a CDN (delivered at the best quality) or our storage."""

    url_of = staticmethod(asset_url)

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)


class GenerationThumbnailUrlField(GenerationImageUrlField):
    """Its thumbnail: a CDN transformation, or the WebP stored beside our copy."""

    url_of = staticmethod(asset_thumbnail_url)


@extend_schema_field({"type": "array", "items": {**URL_SCHEMA, "nullable": False}})
class ReferenceUrlsField(RequestUrlField):
    """Signed, expiring URLs of every reference image, in the order they were sent."""

    @staticmethod
    def url_of(generation, request) -> list[str]:
        files = [generation.reference] if generation.reference else []
        files += [extra.file for extra in generation.more_references.all()]
        return [file_url(file, request) for file in files]

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)


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
    # Every ratio and size any model takes: a record keeps what its model was asked.
    aspect_ratio = serializers.ChoiceField(choices=list(capabilities.ALL_RATIOS), read_only=True)
    image_size = serializers.ChoiceField(
        choices=list(capabilities.ALL_IMAGE_SIZES),
        allow_null=True,
        read_only=True,
        help_text="The image_size asked for; null: the model's default (1K).",
    )
    provider = serializers.ChoiceField(
        choices=list(PROVIDERS),
        allow_blank=True,
        read_only=True,
        help_text="Empty when AI_IMAGE_PROVIDER names no provider (error_code provider_unknown).",
    )
    error_code = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Why it failed; null otherwise. 422: prompt_blocked_<reason>, "
        "output_blocked_<reason> (safety or policy: image_safety, image_prohibited_content, "
        "image_recitation, model_armor …), output_image_other, output_no_image, "
        "output_language (the model drew nothing and said why). 502: no_image, "
        "no_image_<reason>, provider_*. 503/504: provider_not_configured, provider_timeout, "
        "storage_unavailable. Polled: worker_lost (its worker died), model_changed (the "
        "configured model no longer takes what it asked).",
    )
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
    reference_urls = ReferenceUrlsField()

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
            "image_size",
            "reference_width",
            "reference_height",
            "reference_url",
            "reference_urls",
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
        for name in ("error_code", "error_message", "image_size"):
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
