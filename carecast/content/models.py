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
        REPLY = "reply", "Public reply"

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="content_items")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.POST)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="For your team; not published.")
    text = models.TextField()
    image = models.ImageField(upload_to="content/%Y/%m/", blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Stored in UTC.")
    reply_to = models.CharField(
        max_length=500,
        blank=True,
        help_text="For a public reply: the address of the post it answers (a Bluesky at:// address).",
    )
    reply_context = models.TextField(
        blank=True,
        help_text="For a public reply: what the person wrote. Checked so the reply does not confirm they "
        "are a patient or repeat their details; never published or written to the audit log.",
    )
    repeat_every_days = models.PositiveSmallIntegerField(
        default=0, help_text="Publish again every this many days at the same local time (0: once)."
    )
    repeat_until = models.DateField(null=True, blank=True, help_text="The last day it may repeat on.")
    evergreen = models.BooleanField(
        default=False,
        help_text="In the brand's evergreen queue: posted again in free slots, under its approval.",
    )
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
    checked_clean = models.CharField(
        max_length=64,
        blank=True,
        help_text="Fingerprint of the text, the organisation's policy and the checker at approval, when "
        "no blocking finding was left: the send-time check rescans only if any of them changed.",
    )
    campaign = models.ForeignKey(
        "Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

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


class Campaign(TenantModel):
    """A goal with dates, money and channels; content items belong to at most one campaign."""

    name = models.CharField(max_length=200)
    goal = models.TextField(help_text="What success looks like, e.g. '300 flu-shot appointment requests'.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    spend = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    channels = models.JSONField(default=list, blank=True)
    target_segments = models.JSONField(
        default=list, blank=True, help_text="Names and descriptions of audiences."
    )
    key_figures = models.JSONField(default=list, blank=True, help_text="Figures to watch, e.g. conversions.")

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class TrackedLink(TenantModel):
    """A short link (/l/<code>) to a destination with UTM parameters. Never carries PHI."""

    code = models.SlugField(max_length=16, unique=True)
    destination = models.URLField(max_length=1000, help_text="Where it goes, with the UTM parameters added.")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    item = models.ForeignKey(
        ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    channel = models.CharField(max_length=40, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    bot_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"/l/{self.code}"


class Conversion(TenantModel):
    """An outcome the destination site reported through the server-side callback: counts, never people."""

    class Kind(models.TextChoices):
        APPOINTMENT_REQUEST = "appointment_request", "Appointment request"
        FIND_A_DOCTOR = "find_a_doctor_click", "Find-a-doctor search"
        CLICK_TO_CALL = "click_to_call", "Click to call"
        PORTAL_SIGNUP = "portal_signup", "Portal sign-up"
        CLASS_REGISTRATION = "class_registration", "Class registration"
        SIGN_UP = "sign_up", "Sign-up"

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="conversions")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    occurred_on = models.DateField()
    count = models.PositiveIntegerField(default=1)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The site's event id, to refuse repeats."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["link", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_conversion_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.kind} via {self.link}"


class BlogSuggestion(TenantModel):
    """A post on the organisation's own blog, imported from its feed, waiting to be shared (or not)."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        DRAFTED = "drafted", "Drafted"
        DISMISSED = "dismissed", "Dismissed"

    guid = models.CharField(max_length=500, help_text="The feed entry's id (or link): imported once.")
    title = models.CharField(max_length=300)
    link = models.URLField(max_length=1000)
    summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    item = models.ForeignKey(ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "guid"], name="one_suggestion_per_entry")
        ]

    def __str__(self) -> str:
        return self.title


class EvergreenQueue(TenantModel):
    """A brand's slots for evergreen posts (weekday and local time, e.g. Tuesday 10:00) and how long
    a post rests before it may go out again."""

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="evergreen_queue")
    slots = models.JSONField(default=list, help_text='[{"weekday": 1, "time": "10:00"}, ...] (0 is Monday).')
    cooldown_days = models.PositiveSmallIntegerField(default=30)

    def __str__(self) -> str:
        return f"evergreen queue of {self.brand}"


class CadenceTarget(TenantModel):
    """At least `posts_per_week` posts a week for a brand, on one network or on any channel (`network`
    empty): gaps show as warnings on the calendar and in the Monday digest."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="cadence_targets")
    network = models.CharField(
        max_length=30, blank=True, help_text="A network such as facebook; empty counts every post."
    )
    posts_per_week = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "network"], name="one_cadence_target_per_brand_network")
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.network or 'any channel'}: {self.posts_per_week} a week"


class MediaAsset(TenantModel):
    """An image or video in the organisation's library, checked on upload and reusable across items."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text="For your team, to find it again; not published.")
    file = models.FileField(upload_to="library/%Y/%m/")
    file_format = models.CharField(max_length=10, help_text="jpg, png, gif, webp, mp4, mov or webm.")
    alt_text = models.CharField(max_length=1000, blank=True)
    caption = models.TextField(blank=True, help_text="Captions or a transcript; required for video.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_seconds = models.FloatField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def missing(self) -> str:
        """What must be written before an item using this asset can go to review ('' when nothing)."""
        if not self.alt_text.strip():
            return "alt text"
        if self.kind == self.Kind.VIDEO and not self.caption.strip():
            return "captions"
        return ""


class ContentItemAsset(models.Model):
    """A library asset attached to an item (an item may use several; an asset many items)."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="uses")
    position = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "asset"], name="asset_once_per_item")]

    def __str__(self) -> str:
        return f"{self.asset} on {self.item}"


class ContentTemplate(TenantModel):
    """A reusable starting point: evergreen text with {variables}, or a pre-approved fast-track message."""

    class Kind(models.TextChoices):
        EVERGREEN = "evergreen", "Evergreen"
        PRE_APPROVED = "pre_approved", "Pre-approved"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EVERGREEN)
    name = models.CharField(max_length=120)
    text = models.TextField(help_text="Use {variable} for the parts that change, e.g. {site}.")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    fast_track = models.ForeignKey(
        "compliance.FastTrackTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="library_entries",
        help_text="Pre-approved templates are fast-track templates; approval follows the fast-track rules.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ChannelVariant(models.Model):
    """The item's version for one network: made from the master text, or written by a person (`edited`)."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="variants")
    network = models.CharField(max_length=40)
    text = models.TextField()
    thread = models.JSONField(
        default=list, blank=True, help_text="Follow-up parts, where the network threads."
    )
    edited = models.BooleanField(
        default=False, help_text="Written by a person: kept when the master changes."
    )
    note = models.CharField(max_length=200, blank=True, help_text="What the automatic fitting did.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item", "network"]
        constraints = [models.UniqueConstraint(fields=["item", "network"], name="one_variant_per_network")]

    def __str__(self) -> str:
        return f"{self.item} for {self.network}"


class ContentImport(TenantModel):
    """A confirmed CSV import, run in the background: all its drafts are created in one transaction
    (all or none); how far it has got is reported outside that transaction (exchange.import_progress)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed: nothing was imported"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.TextField(help_text="The uploaded CSV, kept until the import has run.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Good rows to create.")
    created = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"CSV import {self.pk} ({self.status})"
