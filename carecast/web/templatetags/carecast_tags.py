from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def local_time(context: dict[str, Any], moment: datetime | None, fmt: str = "D j M Y, H:i") -> str:
    """A UTC time shown in the viewer's organisation's time zone."""
    if moment is None:
        return "—"
    user = context.get("user")
    org = getattr(user, "organization", None)
    local = moment.astimezone(org.tz) if org else moment
    from django.utils.dateformat import format as date_format

    return date_format(local, fmt)


@register.simple_tag
def status_badge(item: Any) -> str:
    return format_html('<span class="badge status-{}">{}</span>', item.status, item.get_status_display())


@register.filter
def label_words(label: str) -> str:
    """HASHTAG_CASE -> "Hashtag case"."""
    return label.replace("_", " ").capitalize()
