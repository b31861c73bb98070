"""Tracked short links with UTM parameters, click counts without bots, and PHI-free conversions."""

from __future__ import annotations

import re
import secrets
from datetime import date
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.db.models import F

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.content import audit_actions as actions
from carecast.content.models import Campaign, ContentItem, Conversion, TrackedLink
from carecast.core.audit import audit_log
from carecast.core.errors import ValidationError
from carecast.textscan.phi import find_phi

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|discord|skype|"
    r"curl|wget|python-requests|httpclient|headless|monitor|pingdom|uptime",
    re.IGNORECASE,
)


def _carries_phi(path: str, query: str) -> bool:
    """Look inside the address: its path and query, read as words (the address itself is not the problem)."""
    words = re.sub(r"[/?&=+]", " ", unquote(f"{path} {query}"))
    return any(label != "URL" for *_, label in find_phi(words))


def is_bot(user_agent: str) -> bool:
    """Link unfurlers, monitors and scripts; an empty user agent counts as a bot too."""
    return not user_agent.strip() or bool(BOT_AGENTS.search(user_agent))


def with_utm(url: str, *, source: str, medium: str, campaign: str, content: str = "") -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    utm = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign, "utm_content": content}
    query += [(k, v) for k, v in utm.items() if v]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:60]


def _tracked_destination(
    destination: str, *, channel: str, campaign: Campaign | None, item: ContentItem | None
) -> str:
    return with_utm(
        destination.strip(),
        source=channel or "carecast",
        medium="social",
        campaign=_slug(campaign.name) if campaign else "",
        content=f"item-{item.pk}" if item else "",
    )


def tracked_link_for(
    *, actor: User, destination: str, channel: str, campaign: Campaign | None, item: ContentItem
) -> TrackedLink:
    """The item's tracked link to `destination` on `channel`, made the first time it is asked for."""
    url = _tracked_destination(destination, channel=channel, campaign=campaign, item=item)
    found = TrackedLink.objects.filter(item=item, channel=channel, destination=url).first()
    return found or tracked_link_create(
        actor=actor, destination=destination, channel=channel, campaign=campaign, item=item
    )


def tracked_link_create(
    *,
    actor: User,
    destination: str,
    channel: str = "",
    campaign: Campaign | None = None,
    item: ContentItem | None = None,
) -> TrackedLink:
    require(actor, Action.CONTENT_CREATE)
    parts = urlsplit(destination.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("Give a full web address starting with https://.", field="destination")
    if _carries_phi(parts.path, parts.query):
        raise ValidationError(
            "Links must never carry personal details (an email, phone number, record "
            "number or date) in the address.",
            field="destination",
        )
    for obj in (campaign, item):
        if obj is not None and obj.organization_id != actor.tenant_id:
            raise ValidationError("That campaign or item belongs to another organisation.")
    url = _tracked_destination(destination, channel=channel, campaign=campaign, item=item)
    for _ in range(5):
        try:
            with transaction.atomic():
                link = TrackedLink.objects.create(
                    organization=actor.tenant,
                    code=secrets.token_urlsafe(5)[:7],
                    destination=url,
                    campaign=campaign,
                    item=item,
                    channel=channel,
                )
                audit_log(
                    action=actions.LINK_CREATE,
                    actor=actor,
                    obj=link,
                    after={"destination": url, "channel": channel},
                )
                return link
        except IntegrityError:
            continue  # the random code was taken; draw again
    raise RuntimeError("Could not find a free short code")


def link_click(*, link: TrackedLink, user_agent: str) -> None:
    """Counted in the row itself: a click stores no address, cookie or identity."""
    field = "bot_clicks" if is_bot(user_agent) else "clicks"
    TrackedLink.objects.filter(pk=link.pk).update(**{field: F(field) + 1})


def conversion_record(
    *, actor: User, code: str, kind: str, occurred_on: date, count: int = 1, external_id: str = ""
) -> Conversion:
    """The destination site reports an outcome server to server. No person is named, ever."""
    require(actor, Action.ANALYTICS_VIEW)
    link = TrackedLink.objects.filter(organization_id=actor.tenant_id, code=code).first()
    if link is None:
        raise ValidationError("No tracked link with that code in your organisation.", field="code")
    if kind not in Conversion.Kind.values:
        raise ValidationError(
            f"Unknown conversion; use one of {', '.join(Conversion.Kind.values)}.", field="kind"
        )
    if not 1 <= count <= 100_000:
        raise ValidationError("The count must be between 1 and 100000.", field="count")
    if external_id and find_phi(external_id):
        raise ValidationError("The event id must not carry personal details.", field="external_id")
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                organization=link.organization,
                link=link,
                kind=kind,
                occurred_on=occurred_on,
                count=count,
                external_id=external_id,
            )
            audit_log(
                action=actions.CONVERSION_RECORD,
                actor=actor,
                obj=conversion,
                after={"kind": kind, "count": count, "link": link.code},
            )
    except IntegrityError as exc:
        raise ValidationError("That event was already recorded.", field="external_id") from exc
    return conversion
