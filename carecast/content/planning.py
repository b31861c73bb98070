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
from django.utils import timezone

from carecast.accounts.models import Role, User
from carecast.accounts.permissions import Action, require
from carecast.content import audit_actions as actions
from carecast.content.models import BlogSuggestion, CadenceTarget, ContentItem
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
