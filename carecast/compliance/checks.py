"""The compliance gate: reasons an item may not be approved or published, in plain words."""

from __future__ import annotations

from django.utils import timezone

from carecast.content.models import ContentItem


def story_problem(item: ContentItem, *, channel: str = "brand_page") -> str:
    """A patient story needs a linked authorisation, valid on the publish date, for the channel."""
    if item.kind != ContentItem.Kind.PATIENT_STORY:
        return ""
    link = getattr(item, "story_authorization", None)
    if link is None:
        return "it is a patient story without a linked patient authorisation"
    when = (item.publish_at or timezone.now()).date()
    return link.authorization.problem_for(on=when, channel=channel, has_image=bool(item.image))


def publish_blockers(item: ContentItem, *, channel: str = "brand_page") -> list[str]:
    """Checked at approval and again at send time."""
    return [p for p in (story_problem(item, channel=channel),) if p]
