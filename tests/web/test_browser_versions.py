"""Channel versions in a real browser: a piece repurposed for four channels, each previewed as its
network shows it, counted live while the person edits, refused when too long, saved when it fits;
on a phone-sized screen too, and every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carecast.channels.models import ChannelAccount
from carecast.channels.services import publish_target_set
from carecast.content import services
from carecast.content.models import ContentItem
from tests.web.conftest import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Flu shots are free this Saturday at all Northside clinics from 9 to 3. Bring your insurance card "
    "if you have one, but nobody is turned away. Children over 6 months can get theirs too, with a "
    "parent. Pharmacists answer questions about egg allergies on the spot. Parking is free in the east "
    "garage, and the number 12 bus stops at the door. #flu-season #vaccines"
)


def test_a_piece_repurposed_for_four_channels(web, people, brand):
    author = people["contributor"]
    item = services.content_item_create(actor=author, brand=brand, title="Flu Saturday", text=TEXT)
    accounts = [
        ChannelAccount.objects.create(
            organization=brand.organization, brand=brand, network=network, name=network, secret="k"
        )
        for network in ("bluesky", "mastodon", "sms")
    ]
    publish_target_set(actor=author, item=item, accounts=accounts)

    page = web.person(viewport={"width": 390, "height": 844})  # a phone
    web.sign_in(page, author.username)
    web.goto(page, f"/content/{item.pk}/")
    versions = page.get_by_role("region", name="Versions for each channel")
    for label in ("Brand page and feed", "Bluesky", "Mastodon", "Text message"):
        expect(versions.get_by_role("heading", name=label, exact=True)).to_be_visible()
    bluesky = page.get_by_role("article", name="Bluesky")
    expect(bluesky).to_contain_text("Split into a thread of 2 parts.")
    expect(bluesky).to_contain_text("part 2 of 2")
    expect(bluesky).to_contain_text("#FluSeason #Vaccines")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll

    # Edit the text-message version with the keyboard; the count follows as the person types.
    summary = page.get_by_text("Edit the Text message version")
    tab_to(page, summary)
    page.keyboard.press("Enter")
    field = page.get_by_label("Text message text")
    field.fill("Free flu shots Saturday 9-3 at Northside clinics. " * 12)
    expect(page.locator("#version-sms-count")).to_contain_text("too long")
    page.get_by_role("button", name="Save the Text message version").click()
    expect(page.get_by_text("Text message takes 3 segments at most; this is 4.")).to_be_visible()
    web.check(page)
    assert not ContentItem.objects.get(pk=item.pk).variants.get(network="sms").edited  # nothing saved

    page.get_by_text("Edit the Text message version").click()
    field.fill("Free flu shots Saturday 9-3 at Northside clinics. Reply STOP to opt out.")
    expect(page.locator("#version-sms-count")).to_have_text("1 of 3 segments")
    page.get_by_role("button", name="Save the Text message version").click()
    expect(page.get_by_text("Version saved; this is a new revision.")).to_be_visible()
    expect(page.get_by_role("article", name="Text message Edited")).to_contain_text("Reply STOP")
    web.check(page)
    sms = ContentItem.objects.get(pk=item.pk).variants.get(network="sms")
    assert sms.edited and sms.text.startswith("Free flu shots Saturday")
