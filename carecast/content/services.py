"""Writes to content items. Each is guarded, atomic and audited; publishing follows the item's state."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, can, require
from carecast.content import audit_actions as actions
from carecast.content.media import validate_image
from carecast.content.models import Campaign, ContentItem, ContentItemAsset, ContentRevision
from carecast.core.audit import audit_log
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import Brand
from carecast.core.timeutil import localize, require_future

Status = ContentItem.Status
MAX_TEXT = 5000


def _snapshot(item: ContentItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "revision": item.revision,
        "title": item.title,
        "publish_at": item.publish_at,
        "approved_revision": item.approved_revision,
        "image": item.image.name if item.image else "",
        "alt_text_set": bool(item.alt_text),
        "reply_to": item.reply_to,  # a public post's address; what the person wrote is never logged
    }


def _clean_text(*, title: str, text: str, has_image: bool, alt_text: str) -> tuple[str, str, str]:
    title, text, alt_text = title.strip(), text.strip(), alt_text.strip()
    if not title:
        raise ValidationError("Give the item a title so your team can find it.", field="title")
    if not text:
        raise ValidationError("Write the text of the post.", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"The text is {len(text)} characters; the limit is {MAX_TEXT}.", field="text")
    if has_image and not alt_text:
        raise ValidationError(
            "Describe the image in alt text: people using screen readers rely on it.", field="alt_text"
        )
    return title, text, alt_text


REPLY_TO_PREFIXES = ("at://", "https://")


def _clean_reply(*, kind: str, reply_to: str, reply_context: str) -> tuple[str, str]:
    """A public reply names the post it answers and what that person wrote (so the reply rules can
    compare the two); any other kind carries neither."""
    reply_to, reply_context = reply_to.strip(), reply_context.strip()
    if kind != ContentItem.Kind.REPLY:
        return "", ""
    well_formed = reply_to.startswith(REPLY_TO_PREFIXES) and not any(c.isspace() for c in reply_to)
    if not well_formed or len(reply_to) > 500:
        raise ValidationError(
            "Give the address of the post you are answering: its at:// address or its https:// link.",
            field="reply_to",
        )
    if not reply_context:
        raise ValidationError(
            "Paste what the person wrote, so the checks can see whether the reply confirms they are a "
            "patient or repeats their details.",
            field="reply_context",
        )
    if len(reply_context) > MAX_TEXT:
        raise ValidationError(f"The quoted text is over {MAX_TEXT} characters.", field="reply_context")
    return reply_to, reply_context


def _save_revision(item: ContentItem, actor: User) -> None:
    ContentRevision.objects.create(
        item=item,
        number=item.revision,
        text=item.text,
        image=item.image.name or "" if item.image else "",
        alt_text=item.alt_text,
        created_by=actor,
    )


def _sync_publishing(item: ContentItem) -> None:
    from carecast.channels.services import publish_jobs_sync  # the engine follows the item's state

    publish_jobs_sync(item=item)


def _start_revision(item: ContentItem, actor: User) -> None:
    """What is published changed: a new revision, back to draft, and any approval ends (the caller saves)."""
    item.revision += 1
    item.approved_revision = None
    item.approved_by = None
    item.approved_at = None
    item.status = Status.DRAFT
    _save_revision(item, actor)


def content_item_revise(*, actor: User, item: ContentItem) -> ContentItem:
    """Something published with the item changed outside its text (a channel's version, an attached
    asset): a new revision, and any approval ends, as with an edit of the text."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    _start_revision(item, actor)
    item.save()
    _sync_publishing(item)
    return item


def content_item_variants_sync(*, actor: User, item: ContentItem) -> None:
    from carecast.content.variants import content_item_variants_sync as sync  # variants build on this module

    sync(actor=actor, item=item)


def _require_author(actor: User, item: ContentItem) -> None:
    if item.author_id != actor.pk and not can(actor, Action.CONTENT_EDIT_ANY, item.organization):
        raise PermissionDenied("Only the author, a strategist or an admin can change this item.")


def _require_editable(actor: User, item: ContentItem) -> None:
    """The actor may change what this item publishes, and it is not published yet."""
    require(actor, Action.CONTENT_CREATE, item.organization)
    _require_author(actor, item)
    if item.status == Status.PUBLISHED:
        raise InvalidTransition("This item is published; duplicate it to say something new.")


def content_item_create(
    *,
    actor: User,
    brand: Brand,
    title: str,
    text: str,
    image: UploadedFile | None = None,
    alt_text: str = "",
    publish_at: datetime | None = None,
    kind: str = ContentItem.Kind.POST,
    reply_to: str = "",
    reply_context: str = "",
) -> ContentItem:
    require(actor, Action.CONTENT_CREATE, brand.organization)
    if kind not in (ContentItem.Kind.POST, ContentItem.Kind.PATIENT_STORY, ContentItem.Kind.REPLY):
        raise ValidationError("Choose a post, a patient story or a public reply.", field="kind")
    title, text, alt_text = _clean_text(
        title=title, text=text, has_image=image is not None, alt_text=alt_text
    )
    reply_to, reply_context = _clean_reply(kind=kind, reply_to=reply_to, reply_context=reply_context)
    ext = validate_image(image) if image is not None else None
    if publish_at is not None:
        require_future(publish_at)
    with transaction.atomic():
        item = ContentItem(
            organization=brand.organization,
            brand=brand,
            author=actor,
            title=title,
            text=text,
            alt_text=alt_text,
            publish_at=publish_at,
            kind=kind,
            reply_to=reply_to,
            reply_context=reply_context,
        )
        if image is not None:
            item.image.save(f"upload.{ext}", image, save=False)
        item.save()
        _save_revision(item, actor)
        audit_log(action=actions.CONTENT_CREATE, actor=actor, obj=item, after=_snapshot(item))
        content_item_variants_sync(actor=actor, item=item)
    return item


def content_item_update(
    *,
    actor: User,
    item: ContentItem,
    title: str,
    text: str,
    alt_text: str = "",
    image: UploadedFile | None = None,
    remove_image: bool = False,
    publish_at: datetime | None = None,
    reply_to: str | None = None,
    reply_context: str | None = None,
) -> ContentItem:
    """Edit an item. A change to what is published makes a new revision and ends any approval.

    For a public reply, `reply_to` and `reply_context` (None: keep) are part of what is reviewed."""
    _require_editable(actor, item)
    keeps_image = (bool(item.image) and not remove_image) or image is not None
    title, text, alt_text = _clean_text(title=title, text=text, has_image=keeps_image, alt_text=alt_text)
    reply_to, reply_context = _clean_reply(
        kind=item.kind,
        reply_to=item.reply_to if reply_to is None else reply_to,
        reply_context=item.reply_context if reply_context is None else reply_context,
    )
    ext = validate_image(image) if image is not None else None
    if publish_at is not None and publish_at != item.publish_at:
        require_future(publish_at)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        before = _snapshot(item)
        body_changed = (
            text != item.text
            or alt_text != item.alt_text
            or image is not None
            or (remove_image and bool(item.image))
            or reply_to != item.reply_to
            or reply_context != item.reply_context
        )
        item.title, item.text, item.alt_text, item.publish_at = title, text, alt_text, publish_at
        item.reply_to, item.reply_context = reply_to, reply_context
        if remove_image:
            item.image = None
        if image is not None:
            item.image.save(f"upload.{ext}", image, save=False)
        if body_changed:
            _start_revision(item, actor)
        elif item.status == Status.SCHEDULED and publish_at is None:
            item.status = Status.APPROVED
        elif item.status == Status.APPROVED and publish_at is not None:
            item.status = Status.SCHEDULED
        item.save()
        audit_log(action=actions.CONTENT_UPDATE, actor=actor, obj=item, before=before, after=_snapshot(item))
        if body_changed:
            content_item_variants_sync(actor=actor, item=item)
        _sync_publishing(item)
    return item


def content_item_schedule(*, actor: User, item: ContentItem, publish_at: datetime | None) -> ContentItem:
    """Set or clear the publish time of an approved item; the approval stands (the text did not change)."""
    require(actor, Action.CONTENT_SCHEDULE, item.organization)
    _require_author(actor, item)
    if publish_at is not None:
        require_future(publish_at)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        if item.status not in {Status.APPROVED, Status.SCHEDULED, Status.FAILED}:
            raise InvalidTransition("Only an approved item can be scheduled; submit it for review first.")
        if not item.approval_is_current:
            raise InvalidTransition(
                "The approval does not cover the current revision; submit it for review again."
            )
        before = _snapshot(item)
        item.publish_at = publish_at
        item.status = Status.SCHEDULED if publish_at else Status.APPROVED
        item.save(update_fields=["publish_at", "status", "updated_at"])
        action = actions.CONTENT_SCHEDULE if publish_at else actions.CONTENT_UNSCHEDULE
        audit_log(action=action, actor=actor, obj=item, before=before, after=_snapshot(item))
        _sync_publishing(item)
    return item


def content_item_publish_now(*, actor: User, item: ContentItem) -> ContentItem:
    """Publish an approved item as soon as the worker can (its job is due now)."""
    require(actor, Action.CONTENT_SCHEDULE, item.organization)
    _require_author(actor, item)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        if (
            item.status not in {Status.APPROVED, Status.SCHEDULED, Status.FAILED}
            or not item.approval_is_current
        ):
            raise InvalidTransition("Only an approved item can be published; submit it for review first.")
        before = _snapshot(item)
        item.publish_at = timezone.now()
        item.status = Status.SCHEDULED
        item.save(update_fields=["publish_at", "status", "updated_at"])
        audit_log(
            action=actions.CONTENT_SCHEDULE,
            actor=actor,
            obj=item,
            before=before,
            after=_snapshot(item),
            reason="publish now",
        )
        _sync_publishing(item)
    return item


def campaign_save(
    *,
    actor: User,
    campaign: Campaign | None = None,
    name: str,
    goal: str,
    starts_on: date,
    ends_on: date,
    budget: Decimal = Decimal(0),
    spend: Decimal = Decimal(0),
    channels: list[str] | None = None,
    target_segments: list[str] | None = None,
    key_figures: list[str] | None = None,
) -> Campaign:
    """Create a campaign, or change one (campaign given)."""
    require(actor, Action.CONTENT_EDIT_ANY)
    if not name.strip() or not goal.strip():
        raise ValidationError(
            "A campaign needs a name and a goal.", field="name" if not name.strip() else "goal"
        )
    if ends_on < starts_on:
        raise ValidationError("The campaign ends before it starts.", field="ends_on")
    if budget < 0 or spend < 0:
        raise ValidationError("Budget and spend cannot be negative.", field="budget")
    values = {
        "name": name.strip(),
        "goal": goal.strip(),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "budget": budget,
        "spend": spend,
        "channels": channels or [],
        "target_segments": target_segments or [],
        "key_figures": key_figures or [],
    }
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign.objects.create(organization=actor.tenant, **values)
            audit_log(action=actions.CAMPAIGN_CREATE, actor=actor, obj=campaign, after=values)
        else:
            if campaign.organization_id != actor.tenant_id:
                raise PermissionDenied("That campaign belongs to another organisation.")
            before = {k: getattr(campaign, k) for k in values}
            for key, value in values.items():
                setattr(campaign, key, value)
            campaign.save()
            audit_log(action=actions.CAMPAIGN_UPDATE, actor=actor, obj=campaign, before=before, after=values)
    return campaign


def content_item_set_campaign(*, actor: User, item: ContentItem, campaign: Campaign | None) -> ContentItem:
    require(actor, Action.CONTENT_CREATE, item.organization)
    _require_author(actor, item)
    if campaign is not None and campaign.organization_id != item.organization_id:
        raise PermissionDenied("That campaign belongs to another organisation.")
    with transaction.atomic():
        before = {"campaign": item.campaign_id}
        item.campaign = campaign
        item.save(update_fields=["campaign", "updated_at"])
        content_item_variants_sync(actor=actor, item=item)  # short links carry the campaign's name
        audit_log(
            action=actions.CONTENT_UPDATE,
            actor=actor,
            obj=item,
            before=before,
            after={"campaign": item.campaign_id},
        )
    return item


def content_item_duplicate(*, actor: User, item: ContentItem) -> ContentItem:
    """A new draft with the same words and image, for the actor to adapt; it needs its own review."""
    require(actor, Action.CONTENT_CREATE, item.organization)
    with transaction.atomic():
        copy = ContentItem.objects.create(
            organization=item.organization,
            brand=item.brand,
            author=actor,
            title=f"Copy of {item.title}"[:200],
            text=item.text,
            image=item.image.name or "" if item.image else "",
            alt_text=item.alt_text,
            kind=item.kind,
            campaign=item.campaign,
        )
        _save_revision(copy, actor)
        ContentItemAsset.objects.bulk_create(  # the library images and videos go with the words
            ContentItemAsset(item=copy, asset_id=link.asset_id, position=link.position, added_by=actor)
            for link in item.asset_links.all()
        )
        audit_log(
            action=actions.CONTENT_CREATE,
            actor=actor,
            obj=copy,
            after={**_snapshot(copy), "copy_of": item.pk},
        )
        content_item_variants_sync(actor=actor, item=copy)
    return copy


def content_item_assign(*, actor: User, item: ContentItem, owner: User) -> ContentItem:
    """Hand an item to another author in the organisation."""
    require(actor, Action.CONTENT_EDIT_ANY, item.organization)
    if owner.organization_id != item.organization_id or not can(owner, Action.CONTENT_CREATE):
        raise ValidationError("Choose someone in your organisation who writes content.", field="owner")
    with transaction.atomic():
        before = {"author": item.author_id}
        item.author = owner
        item.save(update_fields=["author", "updated_at"])
        audit_log(
            action=actions.CONTENT_ASSIGN, actor=actor, obj=item, before=before, after={"author": owner.pk}
        )
    return item


def content_item_move(*, actor: User, item: ContentItem, day: date) -> ContentItem:
    """Move an item to another day at the same local wall-clock time (across a daylight-saving change
    too). An approved item keeps its approval; a draft just gets its new time."""
    if item.publish_at is None:
        raise ValidationError(f"“{item.title}” has no publish time to move.", field="day")
    tz = item.organization.tz
    local = item.publish_at.astimezone(tz)
    moved = localize(datetime.combine(day, local.time().replace(tzinfo=None)), tz, field="day")
    require_future(moved, field="day")
    if item.status in (Status.APPROVED, Status.SCHEDULED, Status.FAILED):
        return content_item_schedule(actor=actor, item=item, publish_at=moved)
    return content_item_update(
        actor=actor, item=item, title=item.title, text=item.text, alt_text=item.alt_text, publish_at=moved
    )


def content_items_bulk(
    *, actor: User, items: list[ContentItem], action: str, days: int = 0, owner: User | None = None
) -> list[ContentItem]:
    """Reschedule (by whole days), assign or duplicate several items at once: all of them, or none."""
    if not items:
        raise ValidationError("Select at least one item.", field="items")
    with transaction.atomic():
        if action == "reschedule":
            if not days:
                raise ValidationError("Move them by at least one day.", field="days")
            done = []
            for item in items:
                if item.publish_at is None:
                    raise ValidationError(f"“{item.title}” has no publish time to move.", field="items")
                local_day = item.publish_at.astimezone(item.organization.tz).date()
                done.append(content_item_move(actor=actor, item=item, day=local_day + timedelta(days=days)))
            return done
        if action == "assign":
            if owner is None:
                raise ValidationError("Choose who takes them over.", field="owner")
            return [content_item_assign(actor=actor, item=item, owner=owner) for item in items]
        if action == "duplicate":
            return [content_item_duplicate(actor=actor, item=item) for item in items]
    raise ValidationError("Choose reschedule, assign or duplicate.", field="action")


def content_item_repeat(
    *, actor: User, item: ContentItem, every_days: int, until: date | None
) -> ContentItem:
    """Make an item recur at the same local wall-clock time (daylight saving included) until a date."""
    require(actor, Action.CONTENT_SCHEDULE, item.organization)
    _require_author(actor, item)
    if not 0 <= every_days <= 366:
        raise ValidationError("Repeat every 1 to 366 days, or 0 for once.", field="repeat_every_days")
    if every_days and item.kind == ContentItem.Kind.REPLY:
        raise ValidationError("A reply answers one person once; it cannot repeat.", field="repeat_every_days")
    if every_days and until is None:
        raise ValidationError("Give the last day it may repeat on.", field="repeat_until")
    if every_days and until is not None and until <= timezone.now().astimezone(item.organization.tz).date():
        raise ValidationError("The last day must be in the future.", field="repeat_until")
    with transaction.atomic():
        before = {"repeat_every_days": item.repeat_every_days, "repeat_until": item.repeat_until}
        item.repeat_every_days, item.repeat_until = every_days, until if every_days else None
        item.save(update_fields=["repeat_every_days", "repeat_until", "updated_at"])
        audit_log(
            action=actions.CONTENT_REPEAT,
            actor=actor,
            obj=item,
            before=before,
            after={"repeat_every_days": every_days, "repeat_until": item.repeat_until},
        )
    return item


def next_occurrence(item: ContentItem) -> datetime | None:
    """The next time a repeating item publishes: the same local time, `repeat_every_days` later."""
    if not item.repeat_every_days or item.publish_at is None or item.repeat_until is None:
        return None
    tz = item.organization.tz
    local = item.publish_at.astimezone(tz).replace(tzinfo=None) + timedelta(days=item.repeat_every_days)
    if local.date() > item.repeat_until:
        return None
    try:
        return localize(local, tz)
    except ValidationError:  # the wall time falls in a daylight-saving gap or fold: one hour later is safe
        return localize(local + timedelta(hours=1), tz)
