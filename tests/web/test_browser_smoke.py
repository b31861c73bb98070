"""Every page a signed-in person can reach, in a real Chromium, checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import check_accessibility
from tests.factories import PASSWORD, approved_item, make_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    check_accessibility(page)
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")


PAGES = [
    "/",
    "/calendar/",
    "/create/",
    "/reviews/",
    "/inbox/",
    "/listening/",
    "/community/",
    "/audiences/",
    "/analytics/",
    "/settings/",
    "/audit/",
    "/campaigns/",
    "/content/import/",
    "/compliance/workflows/",
    "/compliance/authorizations/",
    "/compliance/policies/",
    "/compliance/fast-track/",
    "/accounts/two-factor/",
    "/suggestions/",
    "/calendar/?view=month",
    "/content/bulk/",
    "/library/",
    "/library/media/",
    "/library/templates/",
]


def test_every_page_is_accessible(page: Page, live_server, people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carecast.content import library
    from tests.media_samples import mp4

    video = library.media_asset_upload(
        actor=people["contributor"], upload=SimpleUploadedFile("t.mp4", mp4(), "video/mp4"), name="Tour"
    )
    template = library.content_template_save(actor=people["strategist"], name="Hours", text="Open at {site}.")
    sign_in(page, live_server.url, people["admin"].username)
    extra = [f"/library/media/{video.pk}/", f"/library/templates/{template.pk}/use/"]
    for path in [*PAGES, *extra, f"/content/{item.pk}/", f"/content/{item.pk}/edit/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        check_accessibility(page)


def test_not_built_sections_say_so(page: Page, live_server, people):
    sign_in(page, live_server.url, people["analyst"].username)
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_text("Not built yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Analytics")).to_have_attribute("aria-current", "page")


def test_public_pages_are_accessible(page: Page, live_server, brand):
    page.goto(f"{live_server.url}/b/{brand.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(brand.name)
    check_accessibility(page)


def test_mobile_menu_works_under_the_real_content_security_policy(browser, live_server, people):
    """No CSP bypass here: the app's own scripts must run with the policy it sends."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(people["contributor"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Calendar")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    assert errors == []
    context.close()


def test_a_published_post_reads_well_on_a_phone_and_prints_cleanly(browser, live_server, people, brand):
    from datetime import timedelta

    from django.utils import timezone

    from carecast.channels.models import BrandPagePost
    from carecast.channels.services import publish_due_jobs

    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(hours=1),
        text="Free flu shots on Saturday.",
    )
    make_due(item)
    publish_due_jobs()
    post = BrandPagePost.objects.get()
    page = browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/b/{brand.slug}/posts/{post.pk}/")
    expect(page.get_by_text("Free flu shots on Saturday.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    check_accessibility(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Print this page")).to_be_hidden()
    expect(page.get_by_text("Printed from")).to_be_visible()
