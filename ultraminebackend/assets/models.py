"""The columns of a stored asset, shared by every model that keeps an image or video."""

from django.db import models
from django.db.models import Q


class Storage(models.TextChoices):
    """Where an asset lives: a CDN provider's name, or ``media`` (our own public storage)."""

    CLOUDINARY = "cloudinary"
    IMAGEKIT = "imagekit", "ImageKit"
    MEDIA = "media"


#: Every ``storage`` value that names a CDN (a new one lands in the constraint's migration).
CDNS = [value for value in Storage.values if value != Storage.MEDIA]


class Delivery(models.TextChoices):
    """How a CDN optimises an asset when it is delivered (the stored original is untouched)."""

    AUTO = "auto"  # the CDN picks quality and format per browser
    BEST = "best"  # the same, at the highest visual quality (AI images)


class StoredAsset(models.Model):
    """Where one file lives and what it is; subclasses add the file field on our storage.

    ``public_id``, ``asset_id`` and ``secure_url`` are what the CDN's upload answer said (never
    rebuilt locally; on ImageKit the file path and the ``fileId`` a delete needs); the file field
    (named by ``file_field_name``) holds our storage's name.
    """

    storage = models.CharField(max_length=16, choices=Storage.choices)
    public_id = models.CharField(max_length=255, blank=True)
    asset_id = models.CharField(max_length=64, blank=True)
    secure_url = models.URLField(max_length=500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    format = models.CharField(max_length=16, blank=True)

    class Meta:
        abstract = True

    #: The subclass's file field on our storage.
    file_field_name = "file"
    #: Delivery of CDN copies (a per-use choice: AI images are delivered at the best quality).
    delivery = Delivery.AUTO
    #: The CDN's resource type of the asset (a delete needs it).
    cdn_resource_type = "image"

    @property
    def stored_file(self):
        """The file on our storage (empty when the asset lives on a CDN)."""
        return getattr(self, self.file_field_name)

    def asset_columns(self) -> dict[str, object]:
        """Where the asset lives and what it is, column by column: for an ``update()``."""
        columns = {f.name: getattr(self, f.name) for f in StoredAsset._meta.local_fields}
        return columns | {self.file_field_name: self.stored_file.name or ""}

    @property
    def is_image(self) -> bool:
        return True

    @classmethod
    def stored_somewhere(cls, name: str) -> models.CheckConstraint:
        """A constraint: the chosen storage has its reference filled in."""
        return models.CheckConstraint(
            condition=(Q(storage=Storage.MEDIA) & ~Q(**{cls.file_field_name: ""}))
            | (Q(storage__in=CDNS) & ~Q(public_id="")),
            name=name,
        )
