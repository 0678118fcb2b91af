"""API shapes of content: brands, posts with media, blogs. Writes take separate input serializers.

File fields follow the one rule: the stored name (or a CDN's ``public_id``) beside ``X_url``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ai_agent.models import Generation
from ultraminebackend import formdata
from ultraminebackend.assets import delivery
from ultraminebackend.files.storage.fields import URL_SCHEMA, ImageUploadField, MediaUploadField
from ultraminebackend.uploads.fields import UploadRefField, UploadRefsMixin

from .models import POST_SETTABLE_STATUSES, Blog, BlogImage, Brand, Media, Post
from .services import MAX_MEDIA_PER_POST

NAME_SCHEMA = {"type": "string", "nullable": True}


class BrandSerializer(formdata.ModelSerializer):
    slug = serializers.SlugField(
        max_length=140,
        required=False,
        allow_blank=True,
        help_text="Unique among your brands; made from the name when left out.",
    )

    class Meta:
        model = Brand
        fields = ["id", "name", "slug", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


@extend_schema_field(OpenApiTypes.INT)
class _OwnGenerationField(serializers.PrimaryKeyRelatedField):
    """A generation id, looked up among the requesting user's succeeded generations only."""

    default_error_messages = {
        "does_not_exist": "Generation {pk_value} is not one of your succeeded generations.",
    }

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Generation.objects.none()
        return Generation.objects.filter(user=request.user, status=Generation.Status.SUCCEEDED)


@extend_schema_field({"type": "integer", "nullable": True})
class _UserBrandField(serializers.PrimaryKeyRelatedField):
    """One of the requesting user's brands (staff: any; the service checks the post's owner)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Brand.objects.none()
        return Brand.objects.all() if request.user.is_staff else request.user.brands.all()


# Named after the resource, the request bodies are "PostRequest" and "PatchedPostRequest" next to
# the "Post" answer, and each status choice set belongs to one name ("PostStatusEnum").
@extend_schema_serializer(component_name="Post")
class PostInputSerializer(UploadRefsMixin, serializers.Serializer):
    """Create (multipart) or PATCH a post. Media are uploaded files first, then copied generations.

    A post needs a caption (not only white space) or at least one media item (``media`` files
    and/or ``media_generations``), at most 10 media in all, and ``scheduled_at`` in the future
    when ``status`` is ``scheduled``: rules across fields, checked by the server (400).
    On PATCH, sending ``media`` and/or ``media_generations`` replaces all of the post's media;
    the rules apply to the post as it would become. A ``scheduled`` post is published by the
    server at ``scheduled_at`` (within ``POST_PUBLISH_INTERVAL_S``, default 15 s); moving
    ``scheduled_at`` or setting ``draft`` before then cancels that. ``failed`` is never sent: a
    failed post is rescheduled (``scheduled`` with a new time), published or made a draft.
    """

    caption = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=POST_SETTABLE_STATUSES, default=Post.Status.DRAFT)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    brand = _UserBrandField(required=False, allow_null=True, default=None)
    media = serializers.ListField(
        child=MediaUploadField(),
        required=False,
        max_length=MAX_MEDIA_PER_POST,
        help_text="Image (JPEG, PNG, WebP, GIF, HEIC) or video (MP4, WebM, QuickTime) files, "
        "in order; repeat the field for each file.",
    )
    media_uploads = serializers.ListField(
        child=UploadRefField("posts.media"),
        source="media",
        required=False,
        max_length=MAX_MEDIA_PER_POST,
        help_text="Instead of `media`: ids of your uploads for `posts.media`, in order; repeat "
        "the field for each in a form.",
    )
    media_generations = serializers.ListField(
        child=_OwnGenerationField(),
        required=False,
        max_length=MAX_MEDIA_PER_POST,
        help_text="Ids of your succeeded AI generations; each image is copied into the post.",
    )

    def to_internal_value(self, data):
        # Count before any file is parsed: every image costs a full decode in the intake, so
        # 20 files in a request meant for 10 must be refused before that work, not after.
        names = ("media", "media_uploads", "media_generations")
        count = sum(len(_values(data, name)) for name in names)
        if count > MAX_MEDIA_PER_POST:
            raise serializers.ValidationError(
                {"media": [f"A post has at most {MAX_MEDIA_PER_POST} media; got {count}."]},
                code="too_many_media",
            )
        return super().to_internal_value(data)


def _values(data, name: str) -> list:
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


class MediaSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField()
    public_id = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields = [
            "id",
            "type",
            "position",
            "storage",
            "file",
            "public_id",
            "url",
            "thumbnail_url",
            "width",
            "height",
            "duration",
            "bytes",
            "format",
            "generation",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NAME_SCHEMA)
    def get_file(self, media: Media) -> str | None:
        return media.file.name or None

    @extend_schema_field(NAME_SCHEMA)
    def get_public_id(self, media: Media) -> str | None:
        return media.public_id or None

    @extend_schema_field(URL_SCHEMA)
    def get_url(self, media: Media) -> str | None:
        return delivery.asset_url(media, self.context.get("request"))

    @extend_schema_field(URL_SCHEMA)
    def get_thumbnail_url(self, media: Media) -> str | None:
        return delivery.asset_thumbnail_url(media, self.context.get("request"))


class PostSerializer(serializers.ModelSerializer):
    """A post as answered. ``status`` ``failed``: the server could not publish it at
    ``scheduled_at``; ``publish_error`` says why (empty otherwise). ``published_at`` is set
    while ``published`` (by the server for scheduled posts), null otherwise."""

    media = MediaSerializer(many=True, read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "user",
            "brand",
            "caption",
            "status",
            "scheduled_at",
            "published_at",
            "publish_error",
            "media",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="Blog")
class BlogInputSerializer(UploadRefsMixin, serializers.Serializer):
    """Create (multipart) or PATCH a blog. ``banner=null`` (or empty) removes the banner."""

    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=220,
        required=False,
        allow_blank=True,
        help_text="Unique; made from the title (numbered if taken) when left out.",
    )
    content = serializers.CharField(
        max_length=200_000, required=False, allow_blank=True, default=""
    )
    status = serializers.ChoiceField(choices=Blog.Status.choices, default=Blog.Status.DRAFT)
    image_alt = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    banner = ImageUploadField(required=False, allow_null=True)
    image = ImageUploadField(required=False, allow_null=True, help_text="The featured image.")
    banner_upload = UploadRefField("blogs.banner", source="banner")
    image_upload = UploadRefField("blogs.image", source="image")
    banner_generation = _OwnGenerationField(required=False, allow_null=True)
    image_generation = _OwnGenerationField(required=False, allow_null=True)


def _role_field(role: str, kind: str):
    """A read-only method field answering ``kind`` (name, url, thumbnail) of a role's image."""

    getters = {
        "name": lambda image, request: delivery.asset_name(image),
        "url": delivery.asset_url,
        "thumbnail": delivery.asset_thumbnail_url,
    }

    @extend_schema_field(NAME_SCHEMA if kind == "name" else URL_SCHEMA)
    class RoleImageField(serializers.Field):
        def __init__(self, **kwargs):
            super().__init__(source="*", read_only=True, **kwargs)

        def to_representation(self, blog: Blog):
            return getters[kind](blog.image_of(role), self.context.get("request"))

    return RoleImageField()


class BlogSerializer(serializers.ModelSerializer):
    banner = _role_field(BlogImage.Role.BANNER, "name")
    banner_url = _role_field(BlogImage.Role.BANNER, "url")
    banner_thumbnail_url = _role_field(BlogImage.Role.BANNER, "thumbnail")
    image = _role_field(BlogImage.Role.FEATURED, "name")
    image_url = _role_field(BlogImage.Role.FEATURED, "url")
    image_thumbnail_url = _role_field(BlogImage.Role.FEATURED, "thumbnail")

    class Meta:
        model = Blog
        fields = [
            "id",
            "author",
            "title",
            "slug",
            "content",
            "status",
            "published_at",
            "banner",
            "banner_url",
            "banner_thumbnail_url",
            "image",
            "image_url",
            "image_thumbnail_url",
            "image_alt",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
