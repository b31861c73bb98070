"""Review workflows in the Wagtail shape: an ordered Workflow of steps, a WorkflowRun per submitted
revision and a StepRun per step; every decision is an Approval bound to one revision."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from carecast.accounts.models import Role
from carecast.content.models import ContentItem
from carecast.core.crypto import EncryptedTextField
from carecast.core.models import TenantModel


class Workflow(TenantModel):
    """The ordered review steps for one kind of content in one organisation."""

    name = models.CharField(max_length=120)
    content_kind = models.CharField(
        max_length=30,
        choices=ContentItem.Kind.choices,
        default=ContentItem.Kind.POST,
        help_text="The kind of content this workflow reviews.",
    )
    approval_valid_days = models.PositiveSmallIntegerField(
        default=30, help_text="An approval older than this does not publish; 0 means it never expires."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "content_kind"],
                condition=models.Q(active=True),
                name="one_active_workflow_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    class Kind(models.TextChoices):
        LEGAL = "legal", "Legal"
        REGULATORY = "regulatory", "Regulatory"
        MEDICAL = "medical", "Medical"
        PRIVACY = "privacy", "Privacy"
        CUSTOM = "custom", "Other review"

    class Mode(models.TextChoices):
        ANY = "any", "Any one reviewer"
        ALL = "all", "Every reviewer in the group"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    reviewer_role = models.CharField(
        max_length=32,
        choices=Role.choices,
        blank=True,
        help_text="Who reviews this step. Empty: anyone with a reviewer role.",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ANY)
    require_signature = models.BooleanField(
        default=True, help_text="Reviewers re-enter their password or a two-factor code and give a reason."
    )
    remind_after_hours = models.PositiveSmallIntegerField(default=24)
    escalate_after_hours = models.PositiveSmallIntegerField(default=48)

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [models.UniqueConstraint(fields=["workflow", "position"], name="unique_step_position")]

    def __str__(self) -> str:
        return f"{self.workflow}: {self.position}. {self.name}"


class WorkflowRun(TenantModel):
    """One pass of one revision of a content item through its workflow."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Changes requested"
        CANCELLED = "cancelled", "Cancelled (the item changed)"

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="workflow_runs")
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="runs")
    revision = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.item} r{self.revision}: {self.get_status_display()}"


class StepRun(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for earlier steps"
        IN_PROGRESS = "in_progress", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Changes requested"
        CANCELLED = "cancelled", "Cancelled"

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="step_runs")
    step = models.ForeignKey(WorkflowStep, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "step__position"]

    def __str__(self) -> str:
        return f"{self.step.name}: {self.get_status_display()}"


class Approval(models.Model):
    """A reviewer's decision on one step, for exactly one revision."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Changes requested"

    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    signed = models.BooleanField(default=False, help_text="The reviewer re-authenticated for this decision.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["step_run", "reviewer"], name="one_decision_per_reviewer_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} r{self.revision}"


class PatientAuthorization(TenantModel):
    """A HIPAA authorisation (45 CFR 164.508) to use a patient's story, photo or video.

    The person's name is PHI: it is stored encrypted and shown only to people who manage stories.
    """

    class Media(models.TextChoices):
        TEXT = "text", "Text"
        PHOTO = "photo", "Photos"
        VIDEO = "video", "Video"

    person_name = EncryptedTextField(help_text="Who signed (stored encrypted).")
    description = models.TextField(help_text="What information may be used, as the form says.")
    purpose = models.TextField(default="Marketing and patient education on the organisation's channels.")
    channels = models.JSONField(default=list, help_text="Channels it covers, e.g. brand_page, bluesky.")
    media = models.JSONField(default=list, help_text="Media it covers: text, photo, video.")
    signed_on = models.DateField()
    expires_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-signed_on", "-pk"]

    def __str__(self) -> str:
        return f"Authorisation #{self.pk} (signed {self.signed_on:%Y-%m-%d})"

    def problem_for(self, *, on: date, channel: str, has_image: bool) -> str:
        """Why this authorisation does not cover a publication, in plain words; empty when it does."""
        if self.revoked_at is not None:
            return "the patient's authorisation was revoked"
        if on > self.expires_on:
            return f"the patient's authorisation expired on {self.expires_on:%d %B %Y}"
        if on < self.signed_on:
            return "the patient's authorisation is not signed yet on that date"
        if channel not in self.channels:
            return f"the patient's authorisation does not cover the {channel.replace('_', ' ')} channel"
        if has_image and self.Media.PHOTO not in self.media:
            return "the patient's authorisation does not cover photos"
        return ""


class TakedownTask(TenantModel):
    """Something published under an authorisation that was revoked: it must come down."""

    class Status(models.TextChoices):
        OPEN = "open", "To take down"
        DONE = "done", "Taken down"

    authorization = models.ForeignKey(
        PatientAuthorization, on_delete=models.PROTECT, related_name="takedowns"
    )
    item = models.ForeignKey(ContentItem, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "item", "channel"], name="one_takedown_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"Take down {self.item} from {self.channel}"


class PolicyDocument(TenantModel):
    """The organisation's social media policy or community guidelines; versions are kept."""

    class Kind(models.TextChoices):
        SOCIAL_MEDIA_POLICY = "social-media-policy", "Social media policy"
        COMMUNITY_GUIDELINES = "community-guidelines", "Community guidelines"

    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="one_policy_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def published(self) -> PolicyVersion | None:
        return self.versions.exclude(published_at=None).order_by("-number").first()


class PolicyVersion(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="unique_policy_version")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class FastTrackTemplate(TenantModel):
    """A pre-approved message for urgent public-health updates: only its {variables} may change."""

    name = models.CharField(max_length=120)
    text = models.TextField(help_text="Use {variable} for the parts that change, e.g. {site} or {hours}.")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StoryAuthorization(models.Model):
    """Links a patient story to the authorisation that allows it."""

    item = models.OneToOneField(ContentItem, on_delete=models.CASCADE, related_name="story_authorization")
    authorization = models.ForeignKey(PatientAuthorization, on_delete=models.PROTECT, related_name="links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.item} under {self.authorization}"


class FastTrackUse(models.Model):
    """An item made from a fast-track template, with the values filled in."""

    item = models.OneToOneField(ContentItem, on_delete=models.CASCADE, related_name="fast_track")
    template = models.ForeignKey(FastTrackTemplate, on_delete=models.PROTECT, related_name="uses")
    values = models.JSONField(default=dict)
    rendered_text = models.TextField(
        help_text="The text the template produced; any other text needs full review."
    )

    def __str__(self) -> str:
        return f"{self.item} from {self.template}"


class ComplianceOverride(models.Model):
    """A permitted person lets one revision through despite blocking findings, with a reason."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="compliance_overrides")
    revision = models.PositiveIntegerField()
    labels = models.JSONField(default=list, help_text="The blocking findings overridden, by label.")
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"override on {self.item} r{self.revision}"
