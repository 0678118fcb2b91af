"""Content: brands, social posts with ordered media, and blogs with banner and featured images.

Each image or media item is a stored asset (``ultraminebackend.assets``).
"""

from django.db import models
from django.db.models import Q

from accounts.models import owner
from ultraminebackend.assets.models import StoredAsset
from ultraminebackend.files.storage.modelfields import PublicFileField, PublicImageField
from ultraminebackend.files.storage.naming import UploadToByAttribute
from ultraminebackend.models import Timestamped


class Brand(models.Model):
    owner = owner("brands")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="brand_slug_unique_per_owner")
        ]

    def __str__(self):
        return self.name


class Post(Timestamped):
    """A social post; ``scheduled`` ones are published by the task worker at ``scheduled_at``
    (``content.publishing``), or end ``failed`` with ``publish_error`` when that is impossible."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        PUBLISHED = "published"
        FAILED = "failed"

    user = owner("posts")
    brand = models.ForeignKey(
        Brand, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    caption = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was published; set while published only."
    )
    publish_error = models.TextField(
        blank=True, help_text="Why a scheduled publication failed; set while failed only."
    )

    class Meta(Timestamped.Meta):
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The publishing sweep's question: which scheduled posts are due?
            models.Index(
                fields=["scheduled_at"], condition=Q(status="scheduled"), name="post_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="post_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="post_published_at_iff_published",
            ),
            models.CheckConstraint(
                condition=(Q(status="failed") & ~Q(publish_error=""))
                | (~Q(status="failed") & Q(publish_error="")),
                name="post_failed_says_why",
            ),
        ]

    def __str__(self):
        return f"Post #{self.pk}"


#: The statuses a client may set; ``failed`` is only ever the publishing sweep's verdict.
POST_SETTABLE_STATUSES = [
    (value, label) for value, label in Post.Status.choices if value != Post.Status.FAILED
]


class ContentAsset(StoredAsset):
    """A stored image or video of content (see ``ultraminebackend.assets``), and its provenance."""

    # Provenance only: the copy never depends on the generation (or its temporary folder).
    generation = models.ForeignKey(
        "ai_agent.Generation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The AI generation this asset was copied from, if any.",
    )

    class Meta:
        abstract = True


class Media(ContentAsset):
    """The seed's Media table: one image or video of a post, in order (``position`` from 0)."""

    class Type(models.TextChoices):
        IMAGE = "image"
        VIDEO = "video"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    brand = models.ForeignKey(
        Brand, on_delete=models.SET_NULL, null=True, blank=True, related_name="media"
    )
    user = owner("media")
    type = models.CharField(max_length=8, choices=Type.choices)
    file = PublicFileField(folder="posts", blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds; videos, when known.")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["post", "position", "id"]
        verbose_name_plural = "media"
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="media_position_unique"),
            StoredAsset.stored_somewhere("media_is_stored_somewhere"),
        ]

    def __str__(self):
        return f"{self.type} #{self.position} of post {self.post_id}"

    @property
    def cdn_resource_type(self) -> str:
        return self.type

    @property
    def is_image(self) -> bool:
        return self.type == self.Type.IMAGE


class Blog(Timestamped):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    author = owner("blogs")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    image_alt = models.CharField(max_length=200, blank=True)

    class Meta(Timestamped.Meta):
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["author", "-created_at"]),
        ]

    def __str__(self):
        return self.title

    def image_of(self, role: str) -> "BlogImage | None":
        """The banner or featured image; uses prefetched ``images`` when the list loaded them."""
        return next((image for image in self.images.all() if image.role == role), None)


class BlogImage(ContentAsset):
    """A blog's banner or its featured image: one row per role, at most one of each.

    A row per image rather than two sets of columns on Blog: the storage fields (a CDN or ours,
    dimensions, provenance) are the one ``StoredAsset`` shape, for post media and blog images
    alike, and replacing a banner is deleting one row and adding another, so the same
    after-commit cleanup that serves deleted posts removes the old file or CDN asset. The folder
    follows the role (``blog_banners/`` or ``blog_featured/``), on our storage and on either CDN.
    """

    class Role(models.TextChoices):
        BANNER = "banner"
        FEATURED = "featured"

    FOLDERS = {Role.BANNER: "blog_banners", Role.FEATURED: "blog_featured"}

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="images")
    role = models.CharField(max_length=16, choices=Role.choices)
    file = PublicImageField(
        blank=True,
        upload_to=UploadToByAttribute(
            "role", {"banner": "blog_banners", "featured": "blog_featured"}
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["blog", "role"]
        constraints = [
            models.UniqueConstraint(fields=["blog", "role"], name="blog_one_image_per_role"),
            StoredAsset.stored_somewhere("blog_image_is_stored_somewhere"),
        ]

    def __str__(self):
        return f"{self.role} of blog {self.blog_id}"
