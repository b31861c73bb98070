"""The thin loop in a real browser, by two people: draft with an image, review, publish, public page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from carecast.channels.models import PublishJob
from carecast.channels.services import publish_due_jobs
from carecast.content.models import ContentItem
from tests.factories import make_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALT = "A nurse giving a child a flu shot"
TEXT = "Flu shots for everyone 6 months and older, no appointment needed."


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "clinic.png"
    Image.new("RGB", (64, 48), "seagreen").save(path)
    return path


def fill_post(page: Page, image, *, alt: str = "", when: str = "") -> None:
    page.get_by_label("Title").fill("Flu shots")
    page.get_by_role("textbox", name="Text", exact=True).fill(TEXT)
    page.get_by_label("Image").set_input_files(str(image))
    if alt:
        page.get_by_label("Alt text").fill(alt)
    if when:
        page.get_by_label("Publish at").fill(when)


def test_two_people_take_a_post_from_draft_to_the_public_page(web, page, people, brand, png):
    web.watch(page)
    tz = brand.organization.tz
    local = (timezone.now() + timedelta(minutes=5)).astimezone(tz).replace(second=0, microsecond=0)

    # The contributor writes the post, with an image, its alt text and a time five minutes ahead.
    web.sign_in(page, people["contributor"].username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a post")
    web.check(page)
    expect(page.get_by_label("Publish at")).to_have_accessible_description(re.compile("America/Chicago"))
    fill_post(page, png, alt=ALT, when=local.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.locator(".badge").first).to_have_text("Draft")
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    expect(page.get_by_text(f"{local:%H:%M} (America/Chicago)")).to_be_visible()
    web.check(page)
    item = ContentItem.objects.get()
    assert item.publish_at == local  # the typed wall-clock time, in the organisation's zone

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
    expect(page.locator(".badge").first).to_have_text("In review")
    # Nobody reviews their own work: no decision controls for the author.
    expect(page.get_by_label("Approve")).to_have_count(0)
    expect(page.get_by_label("Request changes")).to_have_count(0)
    expect(page.get_by_role("button", name="Send decision")).to_have_count(0)
    web.check(page)

    # A medical reviewer, in their own browser, finds it under Reviews and approves it.
    reviewer = web.person()
    web.sign_in(reviewer, people["medical_reviewer"].username)
    reviewer.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Reviews")
    web.check(reviewer)
    reviewer.get_by_role("row", name=re.compile("Flu shots")).get_by_role("link", name="Flu shots").click()
    expect(reviewer.get_by_role("img", name=ALT)).to_be_visible()
    web.check(reviewer)
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_role("button", name="Send decision").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Approved.")
    expect(reviewer.locator(".badge").first).to_have_text("Scheduled")
    web.check(reviewer)
    job = PublishJob.objects.get(content_item=item)
    assert job.scheduled_for == local

    # The publish time comes; the worker's sweep publishes it to the brand page.
    make_due(item)
    assert publish_due_jobs() == 1

    web.goto(page, f"/b/{brand.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(brand.name)
    expect(page.get_by_text(TEXT)).to_be_visible()
    picture = page.get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("naturalWidth", 64)  # the image itself is served, not broken

    web.goto(page, f"/content/{item.pk}/")
    expect(page.locator(".badge").first).to_have_text("Published")
    expect(page.get_by_role("link", name="see it on the public page")).to_be_visible()
    web.check(page)


def test_an_image_without_alt_text_is_refused_and_nothing_is_saved(web, page, people, brand, png, settings):
    web.watch(page)
    web.sign_in(page, people["contributor"].username)
    web.goto(page, "/create/")
    fill_post(page, png)
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please fix 1 problem")
    expect(summary).to_contain_text("Describe the image in alt text")
    alt = page.get_by_label("Alt text")
    expect(alt).to_have_accessible_description(re.compile("Describe the image in alt text"))
    expect(page.get_by_label("Title")).to_have_value("Flu shots")  # what they typed is still there
    web.check(page)
    assert not ContentItem.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]

    # The summary's link takes them to the field; with alt text it saves.
    summary.get_by_role("link", name=re.compile("Alt text")).click()
    alt.fill(ALT)
    page.get_by_label("Image").set_input_files(str(png))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    web.check(page)
    assert ContentItem.objects.get().alt_text == ALT
