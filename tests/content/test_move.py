"""Moving a post to another day keeps its local time of day, across daylight-saving changes too."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from carecast.channels.models import PublishJob
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import ValidationError
from tests.factories import approved_item

# America/Chicago (the test organisation's zone) goes from CDT (UTC-5) to CST (UTC-6) on 1 November 2026.
BEFORE_DST_END = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # Friday 10:00 in Chicago


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_draft_keeps_its_wall_clock_time_across_the_change(people, brand):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Flu", text="Flu shots", publish_at=BEFORE_DST_END
    )
    moved = services.content_item_move(actor=people["contributor"], item=item, day=date(2026, 11, 2))
    assert moved.publish_at == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # still 10:00 in Chicago
    assert moved.status == "draft"


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_an_approved_post_keeps_its_approval_and_its_jobs_follow(people, brand):
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=BEFORE_DST_END,
    )
    moved = services.content_item_move(actor=people["contributor"], item=item, day=date(2026, 11, 3))
    assert moved.status == "scheduled" and moved.approval_is_current
    assert PublishJob.objects.get(content_item=item, status="scheduled").scheduled_for == datetime(
        2026, 11, 3, 16, 0, tzinfo=UTC
    )


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_move_into_the_past_is_refused_and_nothing_changes(people, brand):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Flu", text="Flu shots", publish_at=BEFORE_DST_END
    )
    with pytest.raises(ValidationError) as refused:
        services.content_item_move(actor=people["contributor"], item=item, day=date(2026, 10, 19))
    assert refused.value.field == "day"
    assert ContentItem.objects.get(pk=item.pk).publish_at == BEFORE_DST_END


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_bulk_reschedule_by_days_keeps_the_local_time(people, brand):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Flu", text="Flu shots", publish_at=BEFORE_DST_END
    )
    (moved,) = services.content_items_bulk(
        actor=people["strategist"], items=[item], action="reschedule", days=7
    )
    assert moved.publish_at == datetime(2026, 11, 6, 16, 0, tzinfo=UTC)  # 10:00 CST, not 09:00


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_the_calendar_move_form_and_the_drop_endpoint(client, people, brand):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Flu", text="Flu shots", publish_at=BEFORE_DST_END
    )
    client.force_login(people["contributor"])
    week = client.get("/calendar/", {"offset": 1}).content.decode()
    assert f'data-move-url="/content/{item.pk}/move/"' in week and "New day for “Flu”" in week
    back = client.post(
        f"/content/{item.pk}/move/", {"day": "2026-11-02", "next": "/calendar/?view=week&offset=2"}
    )
    assert back.status_code == 302 and back["Location"] == "/calendar/?view=week&offset=2"
    assert ContentItem.objects.get(pk=item.pk).publish_at == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    dropped = client.post(f"/content/{item.pk}/move/", {"day": "2026-10-01"}, HTTP_ACCEPT="application/json")
    assert dropped.status_code == 400 and "past" in dropped.json()["message"].lower()
    assert (
        client.post(f"/content/{item.pk}/move/", {"day": "x", "next": "https://evil.example/"})["Location"]
        == "/calendar/"
    )
