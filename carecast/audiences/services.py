"""Newsletter lists: adding people (by staff, with their consent) and one-click unsubscribing."""

from __future__ import annotations

import re

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.audiences import audit_actions as actions
from carecast.audiences.models import Subscriber, TextSubscriber, address_digest
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


E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def text_subscriber_add(*, actor: User, brand: Brand, phone: str) -> TextSubscriber:
    """Add a number whose owner opted in to the brand's texts. A number that replied STOP is not
    added back by staff."""
    require(actor, Action.ORG_MANAGE, brand.organization)
    phone = re.sub(r"[\s().-]", "", phone)
    if not E164.match(phone):
        raise ValidationError("Give the number with its country code, e.g. +16175550148.", field="phone")
    digest = address_digest(phone)
    existing = TextSubscriber.objects.filter(brand=brand, phone_digest=digest).first()
    if existing is not None:
        if existing.stopped_at is None:
            return existing
        raise ValidationError("This number replied STOP; only its owner can opt in again.", field="phone")
    with transaction.atomic():
        subscriber = TextSubscriber.objects.create(
            organization=brand.organization,
            brand=brand,
            phone=phone,
            phone_digest=digest,
            subscribed_at=timezone.now(),
        )
        audit_log(action=actions.TEXT_SUBSCRIBER_ADD, actor=actor, obj=subscriber)
    return subscriber


def text_subscriber_stop(*, subscriber: TextSubscriber, reason: str) -> None:
    """The provider says the number opted out (replied STOP): never text it again."""
    with transaction.atomic():
        changed = TextSubscriber.objects.filter(pk=subscriber.pk, stopped_at=None).update(
            stopped_at=timezone.now(), updated_at=timezone.now()
        )
        if changed:
            audit_log(
                action=actions.TEXT_SUBSCRIBER_STOP, obj=subscriber, actor="the provider", reason=reason
            )


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


STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})
START_WORDS = frozenset({"start", "unstop", "yes"})


def text_reply_received(*, brand: Brand, phone: str, body: str) -> str:
    """A text someone sent to the brand's number: STOP (and the other carrier keywords) opts the
    number out at once; START opts it back in. Returns what happened ("stopped", "started", "")."""
    word = body.strip().lower().rstrip(".!")
    subscriber = TextSubscriber.objects.filter(brand=brand, phone_digest=address_digest(phone)).first()
    if subscriber is None:
        return ""
    if word in STOP_WORDS:
        text_subscriber_stop(subscriber=subscriber, reason=f"replied {word.upper()}")
        return "stopped"
    if word in START_WORDS and subscriber.stopped_at is not None:
        with transaction.atomic():
            TextSubscriber.objects.filter(pk=subscriber.pk).update(stopped_at=None, updated_at=timezone.now())
            audit_log(action=actions.TEXT_SUBSCRIBER_START, obj=subscriber, actor="the subscriber")
        return "started"
    return ""
