"""Repeating posts keep their local time across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from carecast.channels.models import BrandPagePost
from carecast.channels.services import publish_due_jobs
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import ValidationError
from carecast.core.models import AuditEntry
from tests.factories import approved_item


@time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_weekly_post_stays_at_nine_in_chicago_when_the_clocks_go_back(people, brand):
    first = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)  # Monday 09:00 CDT
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=first,
        text="Monday heart tip: take the stairs.",
    )
    with pytest.raises(ValidationError, match="last day"):
        services.content_item_repeat(actor=people["contributor"], item=item, every_days=7, until=None)
    services.content_item_repeat(
        actor=people["contributor"], item=item, every_days=7, until=date(2026, 11, 10)
    )
    published = []
    for moment in (first, datetime(2026, 11, 2, 15, 0, tzinfo=UTC), datetime(2026, 11, 9, 15, 0, tzinfo=UTC)):
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            assert publish_due_jobs() == 1
        item.refresh_from_db()
        published.append(item.status)
    times = [
        p.published_at.astimezone(brand.organization.tz).strftime("%a %H:%M %Z")
        for p in BrandPagePost.objects.order_by("published_at")
    ]
    assert times == ["Mon 09:00 CDT", "Mon 09:00 CST", "Mon 09:00 CST"]
    assert published[:2] == ["scheduled", "scheduled"] and published[2] == "published"  # the series ended
    assert AuditEntry.objects.filter(action="content.next_occurrence").count() == 2


def test_a_repeat_landing_in_the_spring_gap_moves_an_hour_later(people, org, brand):
    item = ContentItem(
        organization=org,
        brand=brand,
        author=people["contributor"],
        title="t",
        text="t",
        publish_at=datetime(2027, 3, 7, 8, 30, tzinfo=UTC),  # Sunday 02:30 CST
        repeat_every_days=7,
        repeat_until=date(2027, 3, 31),
    )
    nxt = services.next_occurrence(item)
    assert nxt is not None and nxt.astimezone(org.tz).strftime("%Y-%m-%d %H:%M %Z") == "2027-03-14 03:30 CDT"
