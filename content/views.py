"""Content endpoints. Thin: validate input, call one service or selector, answer one serializer."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly

from ultraminebackend.bodylimits import UploadLimit
from ultraminebackend.parsers import MultiPartParser
from ultraminebackend.views import OwnRecordsMixin, ServiceViewMixin

from . import selectors, services
from .filters import BlogFilter, PostFilter
from .models import Blog, Brand, Post
from .permissions import IsOwnerOrStaff
from .serializers import (
    BlogInputSerializer,
    BlogSerializer,
    BrandSerializer,
    PostInputSerializer,
    PostSerializer,
)

UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]
# PUT is left out: a full replacement of a multipart resource is what PATCH with every field does.
HTTP_METHODS = ["get", "post", "patch", "delete", "head", "options"]
IMAGE_FIELDS = ("banner", "image", "banner_generation", "image_generation")

STORAGE_NOTE = (
    "Files go to the configured CDNs in MEDIA_CDN_ORDER (Cloudinary, then ImageKit), then the "
    "project's storage; a CDN that fails (error or timeout) is skipped for the rest of the "
    "request. Each item's `storage` says where it went. A request that fails leaves no row, no "
    "file and no CDN asset."
)


def _writes_documented(request, answer, *, create: str, update: str):
    """The schema of a viewset whose create and partial update take ``request`` (multipart)."""
    return extend_schema_view(
        create=extend_schema(request=request, responses={201: answer}, description=create),
        partial_update=extend_schema(request=request, responses={200: answer}, description=update),
    )


class _ContentViewSet(
    ServiceViewMixin,
    OwnRecordsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = HTTP_METHODS


class BrandViewSet(_ContentViewSet):
    """Your brands (staff: everyone's). Posts may belong to one of them."""

    queryset_model = Brand
    serializer_class = BrandSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaff]
    owner_field = "owner"
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]
    select = staticmethod(selectors.brand_list)

    def create(self, request, *args, **kwargs):
        brand = services.brand_create(owner=request.user, **self.validated(BrandSerializer))
        return self.answer(brand, code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        brand = self.get_object()
        data = self.validated(BrandSerializer, instance=brand, partial=True)
        return self.answer(services.brand_update(brand=brand, data=data))


@_writes_documented(
    PostInputSerializer,
    PostSerializer,
    create="Create a post from `media` files (repeat the field, in order) and/or "
    "`media_generations` ids (copied after the files). Images go through the image intake; "
    "videos (MP4, WebM, QuickTime, up to VIDEO_MAX_BYTES) are accepted by their bytes. "
    "CDN folder `auto` (Cloudinary's resource_type `auto`), or `posts/` on our storage. "
    + STORAGE_NOTE,
    update="Change fields; `media` and/or `media_generations` replace all media (the "
    "old files and assets are removed after the change commits).",
)
class PostViewSet(_ContentViewSet):
    """Your social posts (staff: everyone's) with their media in order; another user's is 404.

    Each media item has an absolute `url` and, for images, `thumbnail_url`; `file` is the stored
    name on our storage, `public_id` the CDN's id (Cloudinary's public_id, ImageKit's file path;
    the other one is null). Rules: at most 10
    media, a caption or media, `scheduled` needs a future `scheduled_at`.

    A `scheduled` post is published by the server at most `POST_PUBLISH_INTERVAL_S` (default
    15 s) after `scheduled_at` (`published_at` says when); moving the time or setting `draft`
    before then is honoured. A post whose media left storage becomes `failed` with
    `publish_error` (`?status=failed`). A change sent after the server published the post it
    was based on is a 409, changing nothing.
    """

    queryset_model = Post
    serializer_class = PostSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaff]
    parser_classes = UPLOAD_PARSERS
    max_body_bytes = UploadLimit(media=services.MAX_MEDIA_PER_POST)
    owner_field = "user"
    filterset_class = PostFilter
    search_fields = ["caption"]
    ordering_fields = ["created_at", "scheduled_at", "published_at", "id"]
    select = staticmethod(selectors.post_list)

    def create(self, request, *args, **kwargs):
        data = self.validated(PostInputSerializer)
        post = services.post_create(
            user=request.user,
            caption=data["caption"],
            status=data["status"],
            scheduled_at=data["scheduled_at"],
            brand=data["brand"],
            media=data.get("media", []),
            media_generations=data.get("media_generations", []),
        )
        return self.answer(post, code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        post = self.get_object()
        data = dict(self.validated(PostInputSerializer, partial=True))
        post = services.post_update(
            post=post,
            media=data.pop("media", None),
            media_generations=data.pop("media_generations", None),
            data=data,
            user=request.user,
        )
        return self.answer(selectors.post_list(user=request.user).get(pk=post.pk))

    def perform_destroy(self, instance):
        services.post_delete(post=instance)


@_writes_documented(
    BlogInputSerializer,
    BlogSerializer,
    create="Create a blog with an optional `banner` and featured `image` (files), or "
    "`banner_generation` / `image_generation` (ids of your succeeded AI generations, "
    "copied). CDN folders `blog_banners` and `blog_featured`, or the same folders on "
    "our storage. In the answer `banner`/`image` are the stored names, or the CDN's "
    "public_id (e.g. `blog_banners/abc123`; ImageKit's file path) for images kept there. "
    + STORAGE_NOTE,
    update="Change fields; a new banner or image replaces the old one, `null` (or an "
    "empty multipart value) removes it. Old files and assets go after the change commits.",
)
class BlogViewSet(_ContentViewSet):
    """Blogs: published ones are public (`?status=published`), drafts only for their author.

    Signed-in users see published blogs and their own drafts; staff see and manage every blog.
    Only the author (or staff) may change or delete a blog.
    """

    queryset_model = Blog
    serializer_class = BlogSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrStaff]
    parser_classes = UPLOAD_PARSERS
    max_body_bytes = UploadLimit(images=2)  # banner, image
    owner_field = "author"
    filterset_class = BlogFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "published_at", "title", "id"]
    select = staticmethod(selectors.blog_list)

    def create(self, request, *args, **kwargs):
        blog = services.blog_create(author=request.user, **self.validated(BlogInputSerializer))
        blog = selectors.blog_list(user=request.user).get(pk=blog.pk)  # images prefetched
        return self.answer(blog, code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        blog = self.get_object()
        data = dict(self.validated(BlogInputSerializer, partial=True))
        images = {name: data.pop(name) for name in IMAGE_FIELDS if name in data}
        # An explicit null (JSON) or empty value (multipart) for a file field removes the image.
        removed = [
            role
            for role, (file_field, _) in services.BLOG_IMAGE_FIELDS.items()
            if file_field in images and images[file_field] is None
        ]
        blog = services.blog_update(
            blog=blog,
            data=data,
            remove=removed,
            user=request.user,
            **{name: value for name, value in images.items() if value is not None},
        )
        return self.answer(selectors.blog_list(user=request.user).get(pk=blog.pk))

    def perform_destroy(self, instance):
        services.blog_delete(blog=instance)
