"""Tenancy (Organization, Brand), the shared base model and the audit log."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as America/Chicago.")


class Organization(models.Model):
    """A health system, hospital, clinic group or health brand: the tenant."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", "Health-care provider"
        MANUFACTURER = "manufacturer", "Pharma or device manufacturer"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROVIDER)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    require_two_factor = models.BooleanField(
        default=False, help_text="Admins and reviewers must use a TOTP authenticator to sign in."
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15,
        help_text="Sign people out after this many minutes without activity (HIPAA automatic logoff).",
    )
    disclaimer = models.CharField(
        max_length=300,
        blank=True,
        default="General information, not medical advice.",
        help_text="Added to health information; posts without it are flagged.",
    )
    phi_allow_list = models.TextField(
        blank=True,
        help_text="Your own phone numbers, addresses, web pages and consenting clinicians, one a line: "
        "never flagged as PHI.",
    )
    postal_address = models.TextField(
        blank=True,
        help_text="Your organisation's postal address: every newsletter must show it (CAN-SPAM).",
    )
    blog_feed_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Your blog's RSS or Atom feed: new posts become suggestions to share.",
    )
    publishing_paused_at = models.DateTimeField(
        null=True, blank=True, help_text="Crisis switch: set while paused."
    )
    publishing_paused_reason = models.TextField(blank=True)
    publishing_paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class TenantModel(models.Model):
    """Base for everything that belongs to one organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Brand(TenantModel):
    """A brand or facility of an organisation; each has its own public page and feed."""

    class Kind(models.TextChoices):
        BRAND = "brand", "Brand"
        FACILITY = "facility", "Facility"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BRAND)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log. Written only by `core.audit.audit_log`."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="Who acted, kept if the account goes."
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The audit log is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("The audit log is append-only: entries cannot be deleted.")


class AuditChainHead(models.Model):
    """A single row locked while an entry is appended, so concurrent writers form one chain."""

    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head {self.last_hash[:12]}"
