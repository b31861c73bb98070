"""Writes about people: accounts, roles, sign-in throttling, API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from carecast.accounts import audit_actions as actions
from carecast.accounts.models import LoginFailure, Role, RoleAssignment, User
from carecast.accounts.permissions import Action, require
from carecast.core import audit_actions as core_actions
from carecast.core.audit import audit_log
from carecast.core.errors import ValidationError
from carecast.core.models import Brand, Organization


def user_create(
    *,
    actor: User | None,
    organization: Organization,
    username: str,
    email: str,
    password: str | None,
    roles: list[str],
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Add a person to an organisation. `actor` None means a system step (setup, demo data)."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE, organization)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}.", field="roles")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("Someone already uses that email address.", field="email")
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            organization=organization,
            first_name=first_name,
            last_name=last_name,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in sorted(set(roles))])
        audit_log(
            action=actions.USER_CREATE,
            actor=actor,
            organization=organization,
            obj=user,
            after={"username": username, "roles": sorted(set(roles))},
        )
    return user


def user_set_roles(*, actor: User, user: User, roles: list[str]) -> User:
    require(actor, Action.USERS_MANAGE, user.organization)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}.", field="roles")
    if user.pk == actor.pk and Role.ADMIN not in roles:
        raise ValidationError("You cannot remove your own admin role; ask another admin.", field="roles")
    with transaction.atomic():
        before = sorted(user.roles)
        RoleAssignment.objects.filter(user=user).delete()
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in sorted(set(roles))])
        user.__dict__.pop("roles", None)
        audit_log(
            action=actions.USER_ROLES,
            actor=actor,
            organization=user.organization,
            obj=user,
            before={"roles": before},
            after={"roles": sorted(set(roles))},
        )
    return user


def login_is_throttled(*, username: str, client_ip: str | None) -> bool:
    """Too many recent failures for this username, or from this address (password spraying)."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(username__iexact=username).count() >= limit:
        return True
    return bool(client_ip) and recent.filter(client_ip=client_ip).count() >= limit * 4


def login_failure_record(
    *, username: str, client_ip: str | None, organization: Organization | None = None
) -> None:
    """Count a failed sign-in. `organization`: the account's, when the name is a known account, so
    the failure shows in that organisation's audit log."""
    LoginFailure.objects.create(username=username[:254], client_ip=client_ip)
    audit_log(
        action=actions.LOGIN_FAILED, actor=None, organization=organization, after={"username": username[:254]}
    )


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def api_token_create(*, actor: User) -> Token:
    """Create (or replace) the actor's API token; the old one stops working."""
    require(actor, Action.API_TOKEN)
    with transaction.atomic():
        Token.objects.filter(user=actor).delete()
        token = Token.objects.create(user=actor)
        audit_log(action=actions.API_TOKEN_CREATE, actor=actor, organization=actor.organization, obj=actor)
    return token


ORG_EDITABLE = (
    "name",
    "time_zone",
    "require_two_factor",
    "idle_timeout_minutes",
    "disclaimer",
    "phi_allow_list",
    "blog_feed_url",
    "postal_address",
)


def organization_update(*, actor: User, organization: Organization, **changes: Any) -> Organization:
    require(actor, Action.ORG_MANAGE, organization)
    unknown = set(changes) - set(ORG_EDITABLE)
    if unknown:
        raise ValidationError(f"These settings cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {k: getattr(org, k) for k in changes}
        for key, value in changes.items():
            setattr(org, key, value)
        try:
            org.full_clean()
        except DjangoValidationError as exc:
            field, errors = next(iter(exc.message_dict.items()))
            raise ValidationError(errors[0], field=field) from exc
        if not 2 <= org.idle_timeout_minutes <= 120:
            raise ValidationError(
                "The idle timeout must be between 2 and 120 minutes.", field="idle_timeout_minutes"
            )
        org.save()
        audit_log(
            action=core_actions.ORG_UPDATE,
            actor=actor,
            organization=org,
            obj=org,
            before=before,
            after={k: getattr(org, k) for k in changes},
        )
    return org


def brand_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    slug: str,
    kind: str = "brand",
    description: str = "",
) -> Brand:
    """Add a brand or facility (each gets its own public page and feed). `actor` None: a system step."""
    if actor is not None:
        require(actor, Action.ORG_MANAGE, organization)
    if Brand.objects.filter(slug=slug).exists():
        raise ValidationError("That web address is taken; choose another slug.", field="slug")
    with transaction.atomic():
        brand = Brand.objects.create(
            organization=organization, name=name, slug=slug, kind=kind, description=description
        )
        audit_log(
            action=core_actions.BRAND_CREATE,
            actor=actor,
            organization=organization,
            obj=brand,
            after={"name": name, "slug": slug, "kind": kind},
        )
    return brand


def organization_create(
    *, name: str, slug: str, time_zone: str = "America/New_York", kind: str = "provider"
) -> Organization:
    """Create a tenant. An operator step (setup, demo data): no person in an organisation can do it."""
    org = Organization(name=name, slug=slug, time_zone=time_zone, kind=kind)
    try:
        org.full_clean()
    except DjangoValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise ValidationError(errors[0], field=field) from exc
    with transaction.atomic():
        org.save()
        audit_log(
            action=core_actions.ORG_CREATE,
            organization=org,
            obj=org,
            after={"name": name, "slug": slug, "time_zone": time_zone, "kind": kind},
        )
    return org
