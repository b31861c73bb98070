"""Evergreen queues: free slots filled with the least recently posted approved evergreen post that has
rested its cooldown, at the slot's local time (across daylight saving too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from carecast.channels.models import PublishJob
from carecast.content import planning
from carecast.content.models import ContentItem, EvergreenQueue
from carecast.core.errors import PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import approved_item

MONDAY = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)  # Monday 09:00 in Chicago (CDT); clocks go back 1 Nov


def _evergreen(people, brand, title, *, posted_days_ago=None):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, text=title
    )
    planning.content_item_evergreen(actor=people["strategist"], item=item, on=True)
    if posted_days_ago is not None:  # as if it went out that long ago
        job = PublishJob.objects.create(
            organization=brand.organization,
            content_item=item,
            brand=brand,
            revision=item.revision,
            scheduled_for=MONDAY - timedelta(days=posted_days_ago),
            round_at=MONDAY - timedelta(days=posted_days_ago),
            status="published",
            published_at=MONDAY - timedelta(days=posted_days_ago),
        )
        ContentItem.objects.filter(pk=item.pk).update(status="published", publish_at=job.scheduled_for)
    return item


def test_slots_are_written_as_people_say_them(people, brand):
    assert planning.parse_slots("Tue 10:00, thursday 15:30") == [
        {"weekday": 1, "time": "10:00"},
        {"weekday": 3, "time": "15:30"},
    ]
    assert planning.parse_slots("Fri 09:00 on Bluesky, Fri 09:00 x") == [
        {"weekday": 4, "time": "09:00", "channel": "bluesky"},
        {"weekday": 4, "time": "09:00", "channel": "x"},
    ]
    assert planning.slot_label({"weekday": 4, "time": "09:00", "channel": "bluesky"}) == "Fri 09:00 Bluesky"
    with pytest.raises(ValidationError, match="no channel called “myspace”"):
        planning.parse_slots("Fri 09:00 MySpace")
    with pytest.raises(ValidationError, match="a day and a time"):
        planning.parse_slots("tomorrow morning")
    with pytest.raises(ValidationError, match="10:00"):
        planning.parse_slots("Tue 25:00")
    with pytest.raises(PermissionDenied):
        planning.evergreen_queue_set(
            actor=people["contributor"], brand=brand, slots="Tue 10:00", cooldown_days=7
        )


@time_machine.travel(MONDAY, tick=False)
def test_free_slots_get_the_least_recently_posted_rested_post(people, brand):
    planning.evergreen_queue_set(
        actor=people["strategist"], brand=brand, slots="Tue 10:00, Thu 10:00", cooldown_days=14
    )
    recent = _evergreen(people, brand, "Hand washing saves lives.", posted_days_ago=3)  # still resting
    older = _evergreen(people, brand, "Know your numbers: blood pressure.", posted_days_ago=40)
    oldest = _evergreen(people, brand, "Sunscreen every day.", posted_days_ago=90)
    assert planning.evergreen_fill() == 2
    assert ContentItem.objects.get(pk=oldest.pk).publish_at == datetime(
        2026, 10, 27, 15, 0, tzinfo=UTC
    )  # Tue 10:00 CDT
    assert ContentItem.objects.get(pk=older.pk).publish_at == datetime(2026, 10, 29, 15, 0, tzinfo=UTC)
    assert ContentItem.objects.get(pk=recent.pk).status == "published"  # not rested: left alone
    assert PublishJob.objects.filter(content_item=oldest, status="scheduled").count() == 1
    assert planning.evergreen_fill() == 0  # the slots are taken: nothing twice
    assert AuditEntry.objects.filter(action="evergreen.schedule").count() == 2


@time_machine.travel(MONDAY, tick=False)
def test_a_slot_for_a_channel_takes_only_a_post_that_goes_there(people, brand):
    from carecast.channels.models import ChannelAccount
    from carecast.channels.services import publish_target_set

    planning.evergreen_queue_set(
        actor=people["strategist"], brand=brand, slots="Tue 10:00 Bluesky", cooldown_days=7
    )
    page_only = _evergreen(people, brand, "Sunscreen every day.", posted_days_ago=90)
    on_bluesky = _evergreen(people, brand, "Know your numbers.", posted_days_ago=30)
    bluesky = ChannelAccount.objects.create(
        organization=brand.organization, brand=brand, network="bluesky", name="Bluesky", secret="k"
    )
    publish_target_set(actor=people["strategist"], item=on_bluesky, accounts=[bluesky])
    assert planning.evergreen_fill() == 1
    assert ContentItem.objects.get(pk=on_bluesky.pk).publish_at == datetime(2026, 10, 27, 15, 0, tzinfo=UTC)
    assert ContentItem.objects.get(pk=page_only.pk).status == "published"  # the older post does not go there


@time_machine.travel(MONDAY + timedelta(days=3), tick=False)
def test_a_slot_keeps_its_local_time_after_the_clocks_change(people, brand):
    planning.evergreen_queue_set(actor=people["strategist"], brand=brand, slots="Tue 10:00", cooldown_days=7)
    item = _evergreen(people, brand, "Flu shots for everyone.", posted_days_ago=30)
    assert planning.evergreen_fill() == 1
    assert ContentItem.objects.get(pk=item.pk).publish_at == datetime(
        2026, 11, 3, 16, 0, tzinfo=UTC
    )  # 10:00 CST


@time_machine.travel(MONDAY, tick=False)
def test_expired_approvals_drafts_and_paused_organisations_are_not_filled(people, brand):
    planning.evergreen_queue_set(actor=people["strategist"], brand=brand, slots="Wed 12:00", cooldown_days=7)
    expired = _evergreen(people, brand, "Get moving.", posted_days_ago=30)
    ContentItem.objects.filter(pk=expired.pk).update(approval_expires_at=MONDAY + timedelta(hours=1))
    assert planning.evergreen_fill() == 0
    ContentItem.objects.filter(pk=expired.pk).update(approval_expires_at=None)
    org = brand.organization
    org.publishing_paused_at = MONDAY
    org.save(update_fields=["publishing_paused_at"])
    assert planning.evergreen_fill() == 0
    org.publishing_paused_at = None
    org.save(update_fields=["publishing_paused_at"])
    assert planning.evergreen_fill() == 1


def test_the_calendar_sets_slots_and_the_item_page_adds_a_post(client, people, brand):
    item = approved_item(author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand)
    client.force_login(people["strategist"])
    assert "Save evergreen slots" in client.get("/calendar/").content.decode()
    client.post(
        "/calendar/evergreen/", {"brand": brand.pk, "slots": "Tue 10:00, Thu 15:30", "cooldown_days": 21}
    )
    saved = [{"weekday": 1, "time": "10:00"}, {"weekday": 3, "time": "15:30"}]
    assert EvergreenQueue.objects.get(brand=brand).slots == saved
    client.post("/calendar/evergreen/", {"brand": brand.pk, "slots": "someday", "cooldown_days": 5})
    queue = EvergreenQueue.objects.get(brand=brand)
    assert (queue.slots, queue.cooldown_days) == (saved, 21)  # the bad input changed nothing
    page = client.get(f"/content/{item.pk}/").content.decode()
    assert "Add to the evergreen queue" in page
    client.post(f"/content/{item.pk}/evergreen/", {"on": "1"})
    assert ContentItem.objects.get(pk=item.pk).evergreen
    client.force_login(people["contributor"])
    client.post(f"/content/{item.pk}/evergreen/", {"on": "0"})
    assert ContentItem.objects.get(pk=item.pk).evergreen  # only strategists and admins decide


def test_the_library_lists_evergreen_posts_and_starts_a_new_draft_from_one(client, people, brand):
    item = approved_item(author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand)
    other = approved_item(author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand)
    ContentItem.objects.filter(pk=other.pk).update(title="Not evergreen")
    planning.content_item_evergreen(actor=people["strategist"], item=item, on=True)
    client.force_login(people["contributor"])
    page = client.get("/library/").content.decode()
    assert item.title in page and "Not evergreen" not in page
    answer = client.post(f"/library/{item.pk}/copy/")
    copy = ContentItem.objects.exclude(pk__in=[item.pk, other.pk]).get()
    assert answer["Location"] == f"/content/{copy.pk}/edit/"
    assert (copy.status, copy.text, copy.author, copy.evergreen) == (
        "draft",
        item.text,
        people["contributor"],
        False,
    )
    assert ContentItem.objects.get(pk=item.pk).status == "approved"  # the original is untouched
