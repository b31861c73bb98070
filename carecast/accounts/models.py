from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from carecast.core.errors import PermissionDenied
from carecast.core.models import Organization


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    STRATEGIST = "strategist", "Strategist"
    CONTRIBUTOR = "contributor", "Contributor"
    LEGAL_REVIEWER = "legal_reviewer", "Legal reviewer"
    REGULATORY_REVIEWER = "regulatory_reviewer", "Regulatory reviewer"
    MEDICAL_REVIEWER = "medical_reviewer", "Medical reviewer"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    COMMUNITY_MANAGER = "community_manager", "Community manager"
    ANALYST = "analyst", "Analyst"
    ADVOCATE = "advocate", "Advocate"


REVIEWER_ROLES = frozenset(
    {Role.LEGAL_REVIEWER, Role.REGULATORY_REVIEWER, Role.MEDICAL_REVIEWER, Role.PRIVACY_OFFICER}
)
# Roles that must use two-factor sign-in when their organisation requires it.
TWO_FACTOR_ROLES = REVIEWER_ROLES | {Role.ADMIN}


class User(AbstractUser):
    """A person. Belongs to at most one organisation (operators and superusers to none)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    email = models.EmailField(unique=True)

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_assignments.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def tenant_id(self) -> int:
        """The organisation's id; a person without one may read and change nothing."""
        if self.organization_id is None:
            raise PermissionDenied("Your account does not belong to an organisation.")
        return self.organization_id

    @property
    def tenant(self) -> Organization:
        if self.organization is None:
            raise PermissionDenied("Your account does not belong to an organisation.")
        return self.organization

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def needs_two_factor(self) -> bool:
        return bool(
            self.organization and self.organization.require_two_factor and self.roles & TWO_FACTOR_ROLES
        )


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


class CalendarFeed(models.Model):
    """A person's private iCalendar subscription URL. The token is the only key; revoking makes a new one."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"


class LoginFailure(models.Model):
    """A failed sign-in, counted for throttling. Holds the attempted username and address only."""

    username = models.CharField(max_length=254, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"failed sign-in at {self.created_at:%Y-%m-%d %H:%M}"
