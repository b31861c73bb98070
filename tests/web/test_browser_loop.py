"""The thin loop in a real browser, by two people: draft with an image, review, publish, public page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from carecast.channels.services import publish_due_jobs
from carecast.content.models import ContentItem
from tests.conftest import check_accessibility
from tests.factories import PASSWORD, make_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")


def test_draft_review_publish(browser, live_server, people, brand, tmp_path):
    image = tmp_path / "clinic.png"
    Image.new("RGB", (64, 48), "seagreen").save(image)
    tz = brand.organization.tz
    when = (timezone.now() + timedelta(hours=2)).astimezone(tz).strftime("%Y-%m-%dT%H:%M")

    author = browser.new_context(bypass_csp=True).new_page()
    sign_in(author, live_server.url, people["contributor"].username)
    author.get_by_role("link", name="Create", exact=True).click()
    author.get_by_label("Title").fill("Flu shots")
    author.get_by_role("textbox", name="Text", exact=True).fill(
        "Flu shots for everyone 6 months and older, no appointment needed."
    )
    author.get_by_label("Image").set_input_files(str(image))
    author.get_by_label("Publish at").fill(when)
    author.get_by_role("button", name="Save draft").click()
    # No alt text: refused, clearly, and nothing saved.
    expect(author.get_by_role("alert")).to_contain_text("Describe the image in alt text")
    assert not ContentItem.objects.exists()
    check_accessibility(author)
    author.get_by_label("Image").set_input_files(str(image))
    author.get_by_label("Alt text").fill("A nurse giving a child a flu shot")
    author.get_by_role("button", name="Save draft").click()
    expect(author.get_by_text("Draft saved.")).to_be_visible()
    author.get_by_role("button", name="Submit for review").click()
    expect(author.get_by_text("Submitted for review.")).to_be_visible()
    expect(author.get_by_role("button", name="Send decision")).to_have_count(0)  # not their own
    check_accessibility(author)
    item = ContentItem.objects.get()

    reviewer = browser.new_context(bypass_csp=True).new_page()
    sign_in(reviewer, live_server.url, people["medical_reviewer"].username)
    reviewer.get_by_role("link", name="Reviews").click()
    reviewer.get_by_role("link", name="Flu shots").click()
    expect(reviewer.get_by_role("img", name="A nurse giving a child a flu shot")).to_be_visible()
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_role("button", name="Send decision").click()
    expect(reviewer.get_by_text("Approved.")).to_be_visible()
    expect(reviewer.locator(".badge").first).to_have_text("Scheduled")
    check_accessibility(reviewer)

    # The publish time arrives; the worker's sweep publishes it.
    make_due(item)
    assert publish_due_jobs() == 1

    author.reload()
    expect(author.locator(".badge").first).to_have_text("Published")
    author.get_by_role("link", name="see it on the public page").click()
    expect(author.get_by_text("Flu shots for everyone")).to_be_visible()
    expect(author.get_by_role("img", name="A nurse giving a child a flu shot")).to_be_visible()
    check_accessibility(author)
    author.goto(f"{live_server.url}/audit/")
    expect(author.get_by_role("heading", name="Not allowed")).to_be_visible()  # contributors cannot read it
