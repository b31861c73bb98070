from __future__ import annotations

from django.db.models import QuerySet

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.content.models import ContentItem
from carecast.core.errors import NotFound


def content_items_visible(*, user: User) -> QuerySet[ContentItem]:
    require(user, Action.CONTENT_VIEW)
    return ContentItem.objects.filter(organization_id=user.tenant_id).select_related("brand", "author")


def access_content_item(*, user: User, content_item_id: int) -> ContentItem:
    """The item, if it exists in the user's organisation; another organisation's item is 'not found'."""
    try:
        return content_items_visible(user=user).get(pk=content_item_id)
    except (ContentItem.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such content item.") from exc
