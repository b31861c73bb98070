from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carecast.accounts.middleware import idle_timeout_seconds

# The whole loop, in the order people work it. `built` False shows an honest "not built yet" page.
NAV = [
    ("calendar", "Calendar", "web:calendar"),
    ("create", "Create", "web:create"),
    ("library", "Library", "web:library"),
    ("reviews", "Reviews", "web:reviews"),
    ("inbox", "Inbox", "web:section"),
    ("listening", "Listening", "web:section"),
    ("community", "Community", "web:section"),
    ("audiences", "Audiences", "web:section"),
    ("analytics", "Analytics", "web:section"),
    ("settings", "Settings", "web:settings"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    org = getattr(request.user, "organization", None)
    return {
        "nav": NAV,
        "idle_timeout_seconds": idle_timeout_seconds(request),
        "paused_org": org if org is not None and org.publishing_paused_at else None,
    }
