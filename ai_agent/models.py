"""A record per image generation: what was asked, what was sent, what came back, where it lives."""

from django.db import models
from django.db.models import Q

from accounts.models import owner
from ultraminebackend.assets.models import Delivery, Storage, StoredAsset
from ultraminebackend.files.storage.modelfields import PrivateFileField, PublicImageField


class Generation(StoredAsset):
    """Its result is a stored asset (``ultraminebackend.assets``): a CDN copy, or ``image``."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        BLOCKED = "blocked"

    class AspectRatioSource(models.TextChoices):
        REFERENCE = "reference"
        EXPLICIT = "explicit"
        DEFAULT = "default"

    user = owner("generations")
    prompt = models.TextField()
    style = models.CharField(max_length=32, blank=True)
    enhanced_prompt = models.TextField(help_text="The exact text sent to the provider.")
    aspect_ratio = models.CharField(max_length=8)
    aspect_ratio_source = models.CharField(max_length=16, choices=AspectRatioSource.choices)
    # ImageConfig.image_size as asked ("1K", "2K" …); empty: not asked, the model's default.
    image_size = models.CharField(max_length=8, blank=True)
    # The reference stays private (it is the user's upload) and lets a background job read it.
    # With several, this is the first (its shape may pick the ratio); the rest: ``more_references``.
    reference = PrivateFileField(folder="ai-references", blank=True)
    reference_width = models.PositiveIntegerField(null=True, blank=True)
    reference_height = models.PositiveIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=100)
    is_async = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    billable = models.BooleanField(
        default=False,
        help_text=(
            "The provider may have billed this call (it answered, or may have run it); "
            "counts in the daily quota whatever the outcome."
        ),
    )

    # Where the result lives (the shared asset columns); empty until it is stored.
    storage = models.CharField(max_length=16, choices=Storage.choices, blank=True)
    image = PublicImageField(folder="ai-generated-images", blank=True)

    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(storage=""),
                name="generation_success_has_storage",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["failed", "blocked"]) | ~Q(error_code=""),
                name="generation_failure_has_reason",
            ),
        ]

    file_field_name = "image"
    delivery = Delivery.BEST  # product rule: AI images are delivered at q_auto:best

    def __str__(self):
        return f"Generation #{self.pk} ({self.status})"


class GenerationReference(models.Model):
    """A second, third … reference image of a generation, in the order sent (private too)."""

    generation = models.ForeignKey(
        Generation, on_delete=models.CASCADE, related_name="more_references"
    )
    position = models.PositiveSmallIntegerField()
    file = PrivateFileField(folder="ai-references")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["generation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "position"], name="generation_reference_position_unique"
            )
        ]

    def __str__(self):
        return f"Reference {self.position} of generation #{self.generation_id}"
