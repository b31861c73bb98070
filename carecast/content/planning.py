"""Keeping a steady voice: blog posts to share, and cadence targets with gap warnings."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import feedparser
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from carecast.accounts.models import Role, User
from carecast.accounts.permissions import Action, require
from carecast.content import audit_actions as actions
from carecast.content.models import BlogSuggestion, CadenceTarget, ContentItem, EvergreenQueue
from carecast.content.services import content_item_create
from carecast.core.audit import audit_log
from carecast.core.errors import InvalidTransition, ValidationError
from carecast.core.models import Brand, Organization

Status = ContentItem.Status


def blog_import(*, organization: Organization, source: str | bytes | None = None) -> int:
    """Turn new entries of the organisation's blog feed into suggestions; an entry seen before is skipped.
    `source` (the feed's text) is for callers that fetched it themselves; otherwise the feed URL is read."""
    target = source if source is not None else organization.blog_feed_url
    if not target:
        return 0
    feed = feedparser.parse(target)
    if feed.bozo and not feed.entries:
        raise ValidationError(
            f"The blog feed could not be read: {feed.get('bozo_exception', 'not a feed')}.",
            field="blog_feed_url",
        )
    created = 0
    for entry in feed.entries:
        link = entry.get("link", "")
        guid = (entry.get("id") or link)[:500]
        if not guid or not link:
            continue
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        try:
            with transaction.atomic():
                BlogSuggestion.objects.create(
                    organization=organization,
                    guid=guid,
                    title=(entry.get("title") or link)[:300],
                    link=link,
                    summary=_plain(entry.get("summary", ""))[:2000],
                    published_at=datetime.fromtimestamp(calendar.timegm(published), UTC)
                    if published
                    else None,
                )
        except IntegrityError:
            continue  # imported before
        created += 1
    if created:
        audit_log(
            action=actions.BLOG_IMPORT,
            organization=organization,
            obj=organization,
            after={"new_suggestions": created},
        )
    return created


def _when(parsed: Any) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _plain(html: str) -> str:
    import nh3

    return " ".join(nh3.clean(html, tags=set()).split())


def suggestion_draft(*, actor: User, suggestion: BlogSuggestion, brand: Brand) -> ContentItem:
    """Start a post from a blog suggestion: its title and link, as a draft to edit."""
    if suggestion.organization_id != actor.tenant_id or brand.organization_id != actor.tenant_id:
        raise ValidationError("That suggestion or brand belongs to another organisation.")
    if suggestion.status != BlogSuggestion.Status.NEW:
        raise InvalidTransition("This suggestion was already used or dismissed.")
    with transaction.atomic():
        item = content_item_create(
            actor=actor,
            brand=brand,
            title=suggestion.title[:200],
            text=f"{suggestion.title}\n\n{suggestion.link}",
        )
        suggestion.status, suggestion.item = BlogSuggestion.Status.DRAFTED, item
        suggestion.save(update_fields=["status", "item", "updated_at"])
    return item


def cadence_networks() -> dict[str, str]:
    """The networks a target can be set for ("" means any channel), with their names."""
    from carecast.channels.profiles import PROFILES  # channel facts; no models

    return {"": "Any channel"} | {
        key: p.label for key, p in PROFILES.items() if key not in ("brand_page", "webhook")
    }


def cadence_target_set(
    *, actor: User, brand: Brand, posts_per_week: int, network: str = ""
) -> CadenceTarget | None:
    require(actor, Action.CONTENT_EDIT_ANY, brand.organization)
    if not 0 <= posts_per_week <= 50:
        raise ValidationError("Choose between 0 and 50 posts a week.", field="posts_per_week")
    if network not in cadence_networks():
        raise ValidationError("Choose one of the listed networks, or any channel.", field="network")
    with transaction.atomic():
        if posts_per_week == 0:
            CadenceTarget.objects.filter(brand=brand, network=network).delete()
            target = None
        else:
            target, _ = CadenceTarget.objects.update_or_create(
                brand=brand,
                network=network,
                defaults={"organization": brand.organization, "posts_per_week": posts_per_week},
            )
        audit_log(
            action=actions.CADENCE_SET,
            actor=actor,
            obj=brand,
            after={"posts_per_week": posts_per_week, "network": network},
        )
    return target


@dataclass(frozen=True)
class Gap:
    brand: Brand
    network: str
    planned: int
    target: int

    @property
    def message(self) -> str:
        where = f" on {cadence_networks().get(self.network, self.network)}" if self.network else ""
        return (
            f"{self.brand.name}{where}: {self.planned} of {self.target} posts planned this week; "
            f"{self.target - self.planned} more to keep the audience"
        )


def cadence_gaps(*, organization: Organization, week_start: date) -> list[Gap]:
    """Targets with fewer posts planned (or published) in the local week than asked for. A post counts
    for a network when one of its chosen channels is on that network."""
    from carecast.channels.models import PublishTarget

    tz = organization.tz
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=7)
    items = (
        ContentItem.objects.filter(organization=organization, publish_at__gte=start, publish_at__lt=end)
        .exclude(status__in=[Status.REJECTED])
        .exclude(kind=ContentItem.Kind.REPLY)
    )  # a reply is not a post
    counted = Counter((brand_id, "") for brand_id in items.values_list("brand_id", flat=True))
    per_network = {
        (brand_id, network, item_id)
        for brand_id, network, item_id in PublishTarget.objects.filter(item__in=items).values_list(
            "item__brand_id", "account__network", "item_id"
        )
    }
    counted.update((brand_id, network) for brand_id, network, _ in per_network)
    return [
        Gap(t.brand, t.network, counted.get((t.brand_id, t.network), 0), t.posts_per_week)
        for t in CadenceTarget.objects.filter(organization=organization)
        .select_related("brand")
        .order_by("brand__name", "network")
        if counted.get((t.brand_id, t.network), 0) < t.posts_per_week
    ]


def cadence_digest_send(*, today: date | None = None) -> int:
    """Monday mail to strategists and admins: next week's gaps, brand by brand. Returns mails sent."""
    sent = 0
    for org in Organization.objects.filter(pk__in=CadenceTarget.objects.values("organization")):
        local_today = today or timezone.now().astimezone(org.tz).date()
        week_start = local_today - timedelta(days=local_today.weekday())
        gaps = cadence_gaps(organization=org, week_start=week_start)
        if not gaps:
            continue
        people = User.objects.filter(
            organization=org, is_active=True, role_assignments__role__in=[Role.STRATEGIST, Role.ADMIN]
        ).distinct()
        recipients = [u.email for u in people if u.email]
        if recipients:
            body = "\n".join(f"- {g.message}" for g in gaps)
            send_mail(
                f"Posting gaps this week at {org.name}",
                f"{body}\n\nPlan posts in the calendar: {settings.SITE_URL}/calendar/",
                None,
                recipients,
            )
            sent += 1
    return sent


# ---------------------------------------------------------------- evergreen queue

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_slots(text: str) -> list[dict[str, Any]]:
    """ "Tue 10:00, Thu 15:30 Bluesky" -> [{"weekday": 1, "time": "10:00"},
    {"weekday": 3, "time": "15:30", "channel": "bluesky"}]; a clear error otherwise. A slot naming a
    channel takes only a post that goes to that channel."""
    from carecast.channels.profiles import PROFILES

    by_label = {p.label.lower(): p.network for p in PROFILES.values()} | {n: n for n in PROFILES}
    slots = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        words = part.split()
        day = words[0][:3].lower() if words else ""
        if len(words) < 2 or day not in WEEKDAYS:
            raise ValidationError(f"“{part}”: write a day and a time, like “Tue 10:00”.", field="slots")
        try:
            hour, minute = (int(n) for n in words[1].split(":"))
            assert 0 <= hour < 24 and 0 <= minute < 60
        except (ValueError, AssertionError) as exc:
            raise ValidationError(f"“{part}”: the time must look like 10:00.", field="slots") from exc
        slot: dict[str, Any] = {"weekday": WEEKDAYS.index(day), "time": f"{hour:02d}:{minute:02d}"}
        if len(words) > 2:
            name = " ".join(words[2:]).lower().removeprefix("on ").strip()
            if name not in by_label:
                raise ValidationError(
                    f"“{part}”: no channel called “{name}” (for example Bluesky, Mastodon, X, LinkedIn).",
                    field="slots",
                )
            slot["channel"] = by_label[name]
        slots.append(slot)
    return sorted(slots, key=lambda s: (s["weekday"], s["time"], s.get("channel", "")))


def slot_label(slot: dict[str, Any]) -> str:
    """A slot as people write it: "Tue 10:00", or "Tue 10:00 Bluesky"."""
    from carecast.channels.profiles import PROFILES

    words = [WEEKDAYS[slot["weekday"]].title(), slot["time"]]
    if slot.get("channel"):
        profile = PROFILES.get(slot["channel"])
        words.append(profile.label if profile else slot["channel"])
    return " ".join(words)


def evergreen_queue_set(
    *, actor: User, brand: Brand, slots: str, cooldown_days: int
) -> EvergreenQueue | None:
    """Set a brand's evergreen slots and cooldown; no slots removes the queue."""
    require(actor, Action.CONTENT_EDIT_ANY, brand.organization)
    parsed = parse_slots(slots)
    if not 1 <= cooldown_days <= 365:
        raise ValidationError("Let a post rest between 1 and 365 days.", field="cooldown_days")
    with transaction.atomic():
        if not parsed:
            EvergreenQueue.objects.filter(brand=brand).delete()
            queue = None
        else:
            queue, _ = EvergreenQueue.objects.update_or_create(
                brand=brand,
                defaults={
                    "organization": brand.organization,
                    "slots": parsed,
                    "cooldown_days": cooldown_days,
                },
            )
        audit_log(
            action=actions.EVERGREEN_QUEUE_SET,
            actor=actor,
            obj=brand,
            after={"slots": parsed, "cooldown_days": cooldown_days},
        )
    return queue


def content_item_evergreen(*, actor: User, item: ContentItem, on: bool) -> ContentItem:
    """Put an item in (or take it out of) its brand's evergreen queue."""
    require(actor, Action.CONTENT_EDIT_ANY, item.organization)
    if on and item.kind == ContentItem.Kind.REPLY:
        raise ValidationError("A reply answers one person once; it cannot be evergreen.", field="evergreen")
    with transaction.atomic():
        ContentItem.objects.filter(pk=item.pk).update(evergreen=on, updated_at=timezone.now())
        item.evergreen = on
        audit_log(action=actions.EVERGREEN_MARK, actor=actor, obj=item, after={"evergreen": on})
    return item


def _slot_moments(queue: EvergreenQueue, *, after: datetime, days: int = 7) -> list[tuple[datetime, str]]:
    """The queue's slots in the coming `days`, at their local wall-clock time (a slot that a
    daylight-saving change skips that day is left out), each with its channel ('' for any)."""
    from carecast.core.timeutil import localize

    tz = queue.organization.tz
    first = after.astimezone(tz).date()
    moments = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for slot in queue.slots:
            if slot["weekday"] != day.weekday():
                continue
            hour, minute = (int(n) for n in slot["time"].split(":"))
            try:
                moment = localize(
                    datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute), tz
                )
            except ValidationError:
                continue
            if moment > after:
                moments.append((moment, slot.get("channel", "")))
    return sorted(moments)


def evergreen_fill(*, now: datetime | None = None) -> int:
    """Fill each free evergreen slot of the coming week with the brand's least recently posted
    evergreen item that is approved (for this revision, not expiring before the slot) and has rested
    its cooldown. Paused organisations are left alone. Returns how many items were scheduled."""
    from django.db.models import Max

    from carecast.channels.services import publish_jobs_sync

    now = now or timezone.now()
    scheduled = 0
    queues = EvergreenQueue.objects.select_related("brand", "organization").filter(
        organization__publishing_paused_at=None
    )
    for queue in queues:
        for moment, channel in _slot_moments(queue, after=now):
            taken = ContentItem.objects.filter(brand=queue.brand, publish_at=moment, status=Status.SCHEDULED)
            if taken.exists():
                continue
            rested = moment - timedelta(days=queue.cooldown_days)
            candidates = (
                ContentItem.objects.filter(
                    brand=queue.brand,
                    evergreen=True,
                    status__in=[Status.PUBLISHED, Status.APPROVED],
                    approved_revision=F("revision"),
                )
                .exclude(approval_expires_at__lt=moment)
                .annotate(last_posted=Max("publish_jobs__published_at"))
                .exclude(last_posted__gt=rested)
                .order_by(F("last_posted").asc(nulls_first=True), "pk")
            )
            if channel and channel != "brand_page":
                candidates = candidates.filter(publish_targets__account__network=channel)
            chosen = candidates.values_list("pk", flat=True).first()
            if chosen is None:
                continue  # nothing rested enough for this slot (a slot for another channel may still fill)
            with transaction.atomic():
                item = ContentItem.objects.select_for_update().get(pk=chosen)
                item.publish_at, item.status = moment, Status.SCHEDULED
                item.save(update_fields=["publish_at", "status", "updated_at"])
                audit_log(action=actions.EVERGREEN_SCHEDULE, obj=item, after={"publish_at": moment})
                publish_jobs_sync(item=item)
            scheduled += 1
    return scheduled
