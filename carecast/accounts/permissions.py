"""Who may do what: one table, enforced by services through `require`.

Views and the API call services; services call `require` before they change anything, so a
permission cannot be skipped by taking another door in.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from carecast.accounts.models import Role
from carecast.core.errors import PermissionDenied

if TYPE_CHECKING:
    from carecast.accounts.models import User
    from carecast.core.models import Organization


class Action(StrEnum):
    CONTENT_VIEW = "content.view"
    CONTENT_CREATE = "content.create"
    CONTENT_EDIT_ANY = "content.edit_any"
    CONTENT_SUBMIT = "content.submit"
    CONTENT_APPROVE = "content.approve"
    CONTENT_SCHEDULE = "content.schedule"
    PUBLISH_JOB_VIEW = "publish_job.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    ORG_MANAGE = "organization.manage"
    USERS_MANAGE = "users.manage"
    API_TOKEN = "api.token"  # noqa: S105  (an action name, not a secret)  # noqa: S105  (an action name, not a secret)
    INBOX_REPLY = "inbox.reply"
    COMMUNITY_MODERATE = "community.moderate"
    ANALYTICS_VIEW = "analytics.view"
    ADVOCACY_SHARE = "advocacy.share"
    STORIES_MANAGE = "stories.manage"
    COMPLIANCE_OVERRIDE = "compliance.override"


_ALL = frozenset(Role)
_AUTHORS = frozenset({Role.ADMIN, Role.STRATEGIST, Role.CONTRIBUTOR})
_REVIEWERS = frozenset(
    {Role.ADMIN, Role.LEGAL_REVIEWER, Role.REGULATORY_REVIEWER, Role.MEDICAL_REVIEWER, Role.PRIVACY_OFFICER}
)

ALLOWED: dict[Action, frozenset[Role]] = {
    Action.CONTENT_VIEW: _ALL,
    Action.CONTENT_CREATE: _AUTHORS,
    Action.CONTENT_EDIT_ANY: frozenset({Role.ADMIN, Role.STRATEGIST}),
    Action.CONTENT_SUBMIT: _AUTHORS,
    Action.CONTENT_APPROVE: _REVIEWERS,
    Action.CONTENT_SCHEDULE: _AUTHORS,
    Action.PUBLISH_JOB_VIEW: _ALL - {Role.ADVOCATE},
    Action.AUDIT_VIEW: frozenset({Role.ADMIN, Role.PRIVACY_OFFICER, Role.LEGAL_REVIEWER}),
    Action.AUDIT_EXPORT: frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
    Action.ORG_MANAGE: frozenset({Role.ADMIN}),
    Action.USERS_MANAGE: frozenset({Role.ADMIN}),
    Action.API_TOKEN: _ALL - {Role.ADVOCATE},
    Action.INBOX_REPLY: frozenset({Role.ADMIN, Role.STRATEGIST, Role.COMMUNITY_MANAGER}),
    Action.COMMUNITY_MODERATE: frozenset({Role.ADMIN, Role.COMMUNITY_MANAGER}),
    Action.ANALYTICS_VIEW: frozenset({Role.ADMIN, Role.STRATEGIST, Role.ANALYST}),
    Action.ADVOCACY_SHARE: frozenset({Role.ADMIN, Role.STRATEGIST, Role.ADVOCATE}),
    # Patient authorisations hold PHI: the people who run stories and the privacy officer.
    Action.STORIES_MANAGE: frozenset({Role.ADMIN, Role.STRATEGIST, Role.PRIVACY_OFFICER}),
    # Letting a blocked text through is the privacy officer's call (or an admin's), with a reason.
    Action.COMPLIANCE_OVERRIDE: frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
}


def can(user: User, action: Action, organization: Organization | None = None) -> bool:
    """True when the user is active, belongs to the organisation and holds a role allowed the action."""
    if not user.is_authenticated or not user.is_active or user.organization_id is None:
        return False
    if organization is not None and organization.pk != user.organization_id:
        return False
    return bool(user.roles & ALLOWED[action])


def require(user: User, action: Action, organization: Organization | None = None) -> None:
    if not can(user, action, organization):
        raise PermissionDenied(f"Your role does not allow this ({action.value}).")
