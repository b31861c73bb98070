"""Rescheduling on the calendar in a real browser: with the keyboard (the Move form) and by
dragging a post to another day; both keep its time of day, and each page passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carecast.content import services
from carecast.content.models import ContentItem
from tests.web.conftest import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post_next_week(people, brand, title, weekday):
    """A draft at 10:00 local on `weekday` (0 = Monday) of next week."""
    tz = brand.organization.tz
    today = timezone.now().astimezone(tz).date()
    day = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=weekday)
    when = timezone.datetime.combine(day, timezone.datetime.min.time().replace(hour=10), tzinfo=tz)
    return services.content_item_create(
        actor=people["contributor"], brand=brand, title=title, text="Flu shots this week.", publish_at=when
    )


def test_a_post_moves_by_keyboard_and_by_drag(web, page, people, brand):
    web.watch(page)
    keyboard_post = _post_next_week(people, brand, "Flu clinic", 0)
    dragged_post = _post_next_week(people, brand, "Heart walk", 1)
    web.sign_in(page, people["contributor"].username)
    web.goto(page, "/calendar/?view=week&offset=1")

    # Keyboard: reach the post's Move button, open it, type the day, submit.
    summary = page.locator("summary", has_text="Move").first
    tab_to(page, summary)
    page.keyboard.press("Enter")
    field = page.get_by_label("New day for “Flu clinic”")
    target = keyboard_post.publish_at.astimezone(brand.organization.tz).date() + timedelta(days=2)
    field.fill(target.isoformat())
    web.check(page)
    field.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("moved to")
    web.check(page)
    tz = brand.organization.tz
    moved = ContentItem.objects.get(pk=keyboard_post.pk).publish_at.astimezone(tz)
    assert (moved.date(), moved.hour, moved.minute) == (target, 10, 0)  # the same time of day

    # Mouse: drag the other post onto Friday of that week.
    source = page.locator(f'[data-move-url="/content/{dragged_post.pk}/move/"]')
    friday = dragged_post.publish_at.astimezone(brand.organization.tz).date() + timedelta(days=3)
    source.drag_to(page.locator(f'[data-day="{friday.isoformat()}"]'))
    expect(page.locator(f'[data-day="{friday.isoformat()}"]')).to_contain_text("Heart walk")
    web.check(page)
    assert ContentItem.objects.get(pk=dragged_post.pk).publish_at == dragged_post.publish_at + timedelta(
        days=3
    )
