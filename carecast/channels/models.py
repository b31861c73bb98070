from __future__ import annotations

from django.db import models

from carecast.content.models import ContentItem
from carecast.core.crypto import EncryptedTextField
from carecast.core.models import Brand, TenantModel


class PublishJob(TenantModel):
    """One post of one content revision to one channel, at one time. Published at most once."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        UNCONFIRMED = "unconfirmed", "Outcome unknown"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    content_item = models.ForeignKey(ContentItem, on_delete=models.PROTECT, related_name="publish_jobs")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=40, default="brand_page")
    account = models.ForeignKey(
        "ChannelAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    revision = models.PositiveIntegerField()
    scheduled_for = models.DateTimeField(db_index=True)
    round_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The item's publish time this job belongs to (retries move scheduled_for only).",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.CharField(max_length=500, blank=True)
    network_state = models.CharField(
        max_length=200,
        blank=True,
        help_text="What a connector keeps between tries before the post exists (an Instagram container).",
    )
    last_error = models.TextField(blank=True)
    prepared_by = models.CharField(
        max_length=40,
        blank=True,
        help_text="The dispatcher that loaded this job ahead of its time (others prepare other jobs); "
        "once due, any dispatcher may claim it.",
    )
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the post was deleted from the network."
    )

    class Meta:
        ordering = ["scheduled_for", "pk"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]

    def __str__(self) -> str:
        return f"{self.content_item} → {self.channel} at {self.scheduled_for:%Y-%m-%d %H:%M} UTC"


class AppRateLimit(models.Model):
    """A network told carecast (the app, not one account) to wait: nothing goes to it before `until`."""

    network = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.network} limited until {self.until:%Y-%m-%d %H:%M:%S} UTC"


class PublishWakeup(models.Model):
    """One dispatcher task per second of due time, however many jobs share that second: the row says
    a task for `at` is already queued (it is removed when the dispatcher runs)."""

    at = models.DateTimeField(unique=True)
    jobs = models.PositiveIntegerField(default=1, help_text="Jobs that asked for this second.")

    def __str__(self) -> str:
        return f"dispatch at {self.at:%Y-%m-%d %H:%M:%S}"


class PublishAttempt(models.Model):
    job = models.ForeignKey(PublishJob, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"attempt on {self.job_id}: {self.outcome or 'running'}"


class BrandPagePost(TenantModel):
    """What the built-in public channel shows: the brand's page and Atom feed."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="page_posts")
    job = models.OneToOneField(PublishJob, on_delete=models.PROTECT, related_name="brand_page_post")
    text = models.TextField()
    image = models.CharField(max_length=300, blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    published_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.brand}: {self.text[:40]}"


class ChannelAccount(TenantModel):
    """A place the organisation publishes to, with its credentials encrypted at rest."""

    class Network(models.TextChoices):
        WEBHOOK = "webhook", "Signed webhook"
        BLUESKY = "bluesky", "Bluesky"
        MASTODON = "mastodon", "Mastodon"
        NEWSLETTER = "newsletter", "Email newsletter"
        SMS = "sms", "Text messages"
        FACEBOOK = "facebook", "Facebook Page"
        INSTAGRAM = "instagram", "Instagram business account"
        LINKEDIN = "linkedin", "LinkedIn Page"
        X = "x", "X"
        YOUTUBE = "youtube", "YouTube"
        GOOGLE_BUSINESS = "google_business", "Google Business Profile"

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="channel_accounts")
    network = models.CharField(max_length=30, choices=Network.choices)
    name = models.CharField(max_length=120)
    endpoint = models.URLField(
        max_length=500, blank=True, help_text="The webhook address, or the network's service URL."
    )
    handle = models.CharField(max_length=253, blank=True, help_text="The account's handle on the network.")
    external_id = models.CharField(max_length=200, blank=True, help_text="The network's id (a Bluesky DID).")
    secret = EncryptedTextField(blank=True, help_text="Token, app password or signing key (encrypted).")
    session = EncryptedTextField(blank=True, help_text="The network's current session tokens (encrypted).")
    refresh_token = EncryptedTextField(blank=True, help_text="OAuth refresh token (encrypted).")
    token_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the OAuth access token (kept in `secret`) stops working."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_message = models.CharField(max_length=300, blank=True)
    rate_limited_until = models.DateTimeField(
        null=True, blank=True, help_text="The network asked us to wait until then before posting again."
    )

    class Meta:
        ordering = ["brand", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()})"


class PublishTarget(models.Model):
    """An extra channel a content item goes to, besides its brand page."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="publish_targets")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="targets")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "account"], name="one_target_per_account")]

    def __str__(self) -> str:
        return f"{self.item} → {self.account}"


class PostMetric(models.Model):
    """What a network says about one published post at one moment (one row per pull)."""

    job = models.ForeignKey(PublishJob, on_delete=models.CASCADE, related_name="metrics")
    fetched_at = models.DateTimeField(db_index=True)
    likes = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    quotes = models.PositiveIntegerField(null=True, blank=True)
    impressions = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"metrics of job {self.job_id} at {self.fetched_at:%Y-%m-%d %H:%M}"
