"""Newsletter lists: adding people (by staff, with their consent) and one-click unsubscribing."""

from __future__ import annotations

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.audiences import audit_actions as actions
from carecast.audiences.models import Subscriber, address_digest
from carecast.core.audit import audit_log
from carecast.core.errors import ValidationError
from carecast.core.models import Brand


def subscriber_add(*, actor: User, brand: Brand, email: str) -> Subscriber:
    """Add an address that asked for the brand's newsletter. Someone who unsubscribed is not added
    back by staff: they must sign up again themselves."""
    require(actor, Action.ORG_MANAGE, brand.organization)
    email = email.strip()
    try:
        validate_email(email)
    except Exception as exc:
        raise ValidationError("That is not an email address.", field="email") from exc
    digest = address_digest(email)
    existing = Subscriber.objects.filter(brand=brand, email_digest=digest).first()
    if existing is not None:
        if existing.subscribed:
            return existing
        raise ValidationError("This address unsubscribed; only its owner can sign up again.", field="email")
    try:
        with transaction.atomic():
            subscriber = Subscriber.objects.create(
                organization=brand.organization,
                brand=brand,
                email=email,
                email_digest=digest,
                subscribed_at=timezone.now(),
            )
            audit_log(action=actions.SUBSCRIBER_ADD, actor=actor, obj=subscriber)
    except IntegrityError:  # added at the same moment by someone else
        return Subscriber.objects.get(brand=brand, email_digest=digest)
    return subscriber


def subscriber_unsubscribe(*, token: str) -> Subscriber | None:
    """The one-click unsubscribe behind every newsletter's link. Returns None for an unknown token."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(token=token).first()
        if subscriber is None:
            return None
        if subscriber.subscribed:
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["unsubscribed_at", "updated_at"])
            audit_log(action=actions.SUBSCRIBER_UNSUBSCRIBE, obj=subscriber, actor="the subscriber")
    return subscriber
