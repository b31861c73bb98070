from __future__ import annotations

from datetime import timedelta

import pytest

from carecast.channels.models import PublishJob
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import PermissionDenied, ValidationError
from tests.factories import approved_item


def test_move_several_items_by_a_week_keeps_approvals_and_jobs_in_step(people, brand, later):
    draft = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Draft", text="a", publish_at=later
    )
    approved = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    services.content_items_bulk(
        actor=people["strategist"], items=[draft, approved], action="reschedule", days=7
    )
    draft.refresh_from_db()
    approved.refresh_from_db()
    assert draft.publish_at == later + timedelta(days=7) and draft.status == "draft"
    assert approved.publish_at == later + timedelta(days=7) and approved.approval_is_current
    assert PublishJob.objects.get(
        content_item=approved, status="scheduled"
    ).scheduled_for == later + timedelta(days=7)


def test_all_or_nothing(people, brand, later):
    dated = services.content_item_create(
        actor=people["contributor"], brand=brand, title="A", text="a", publish_at=later
    )
    undated = services.content_item_create(actor=people["contributor"], brand=brand, title="B", text="b")
    with pytest.raises(ValidationError, match="no publish time"):
        services.content_items_bulk(
            actor=people["strategist"], items=[dated, undated], action="reschedule", days=1
        )
    dated.refresh_from_db()
    assert dated.publish_at == later  # the first one did not move either


def test_assign_and_duplicate(client, people, brand):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Hours", text="Open late"
    )
    with pytest.raises(PermissionDenied):
        services.content_items_bulk(
            actor=people["contributor"], items=[item], action="assign", owner=people["strategist"]
        )
    with pytest.raises(ValidationError):
        services.content_items_bulk(
            actor=people["strategist"], items=[item], action="assign", owner=people["analyst"]
        )  # analysts do not write content
    services.content_items_bulk(
        actor=people["strategist"], items=[item], action="assign", owner=people["admin"]
    )
    item.refresh_from_db()
    assert item.author == people["admin"]
    client.force_login(people["strategist"])
    response = client.post("/content/bulk/", {"item": [item.pk], "action": "duplicate"})
    assert response.status_code == 302
    copy = ContentItem.objects.exclude(pk=item.pk).get()
    assert (copy.title, copy.text, copy.status, copy.author) == (
        "Copy of Hours",
        "Open late",
        "draft",
        people["strategist"],
    )
