from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from carecast.core.models import Brand, TenantModel


class ContentItem(TenantModel):
    """A piece of content: text and an optional image, reviewed and then published at its time."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        REJECTED = "rejected", "Changes requested"
        APPROVED = "approved", "Approved, not scheduled"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Publishing failed"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PATIENT_STORY = "patient_story", "Patient story"
        PUBLIC_HEALTH = "public_health", "Urgent public-health message"

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="content_items")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.POST)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="For your team; not published.")
    text = models.TextField()
    image = models.ImageField(upload_to="content/%Y/%m/", blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Stored in UTC.")
    revision = models.PositiveIntegerField(default=1)
    approved_revision = models.PositiveIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the approval no longer publishes; review again."
    )
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in {
            self.Status.DRAFT,
            self.Status.REJECTED,
            self.Status.IN_REVIEW,
            self.Status.APPROVED,
            self.Status.SCHEDULED,
            self.Status.FAILED,
        }

    @property
    def approval_is_current(self) -> bool:
        """Approved, for this very revision, and not expired."""
        if self.approved_revision is None or self.approved_revision != self.revision:
            return False
        return self.approval_expires_at is None or self.approval_expires_at > timezone.now()


class ContentRevision(models.Model):
    """What the item said at each revision; an approval names the revision it approved."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    image = models.CharField(max_length=300, blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="unique_item_revision")]

    def __str__(self) -> str:
        return f"{self.item} r{self.number}"
