"""A strategist's week planned in a real browser, as issue 5 checks it: a campaign, a piece
repurposed for four channels, a recurring post, a cadence gap warning, the iCalendar feed read by a
calendar parser, and a CSV round trip (export, a broken row listed, only good rows imported after
confirming). Every page passes axe."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carecast.channels.models import ChannelAccount
from carecast.compliance import services as review
from carecast.content import exchange
from carecast.content.models import Campaign, ContentImport, ContentItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Flu shots are free this Saturday at all Northside clinics from 9 to 3. Bring your insurance card "
    "if you have one, but nobody is turned away. Children over 6 months can get theirs too, with a "
    "parent. Pharmacists answer questions about egg allergies on the spot. Parking is free in the east "
    "garage, and the number 12 bus stops at the door. #flu-season #vaccines"
)


def test_a_strategists_week(web, page, people, brand, tmp_path):
    strategist = people["strategist"]
    tz = brand.organization.tz
    for network in ("bluesky", "mastodon", "sms"):
        ChannelAccount.objects.create(
            organization=brand.organization,
            brand=brand,
            network=network,
            name=f"Riverside {network}",
            secret="k",
        )
    web.watch(page)
    web.sign_in(page, strategist.username)

    # A campaign with its goal, dates and money.
    web.goto(page, "/campaigns/")
    today = timezone.now().astimezone(tz).date()
    page.get_by_label("Name").fill("Flu season 2026")
    page.get_by_label("Goal").fill("Book 2,000 flu shots before December.")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=40)).isoformat())
    page.get_by_label("Budget").fill("5000")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flu season 2026")
    web.check(page)
    campaign = Campaign.objects.get()

    # One piece, written once, for the campaign, going to four channels.
    when = (
        (timezone.now() + timedelta(days=2))
        .astimezone(tz)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    web.goto(page, "/create/")
    page.get_by_label("Title").fill("Flu Saturday")
    page.get_by_role("textbox", name="Text", exact=True).fill(TEXT)
    page.get_by_label("Publish at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    web.check(page)
    item = ContentItem.objects.get(title="Flu Saturday")
    page.get_by_label("Part of the campaign").select_option(label="Flu season 2026")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.get_by_role("status")).to_contain_text("Part of “Flu season 2026” now.")
    web.check(page)
    for name in ("Riverside bluesky", "Riverside mastodon", "Riverside sms"):
        page.get_by_label(name, exact=False).check()
    page.get_by_role("button", name="Save channels").click()
    expect(page.get_by_role("status")).to_contain_text("Channels saved.")
    versions = page.get_by_role("region", name="Versions for each channel")
    for label in ("Brand page and feed", "Bluesky", "Mastodon", "Text message"):
        expect(versions.get_by_role("heading", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("article", name="Bluesky")).to_contain_text("#FluSeason #Vaccines")
    web.check(page)
    assert ContentItem.objects.get(pk=item.pk).campaign == campaign

    # Reviewed elsewhere (tests/web/test_browser_review.py walks that); then it repeats weekly.
    page.get_by_role("button", name="Submit for review").click()
    web.check(page)
    item.refresh_from_db()
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=item.revision)
    page.reload()
    web.check(page)
    page.get_by_label("Repeat every (days, 0 = once)").fill("7")
    page.get_by_label("Until").fill((today + timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Save repeat").click()
    web.check(page)
    assert ContentItem.objects.get(pk=item.pk).repeat_every_days == 7

    # A target of three posts a week on Mastodon: this week has one, so the calendar warns.
    web.goto(page, "/calendar/")
    page.get_by_text("Weekly posting targets").click()
    page.get_by_label("On", exact=True).select_option(label="Mastodon")
    page.get_by_label("Posts a week (0 removes the target)").fill("3")
    page.get_by_role("button", name="Save target").click()
    gaps = page.get_by_role("status").filter(has_text="Posting gaps this week")
    expect(gaps).to_contain_text("Mastodon")
    web.check(page)

    # The iCalendar feed, read by a calendar parser.
    feed_url = page.locator("code.secret").first.text_content() or ""
    response = page.request.get(feed_url)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
    (event,) = [e for e in events if str(e["summary"]).startswith("Flu Saturday")]
    assert event.decoded("dtstart") == when

    # CSV round trip: export, plan next week from it (one row broken), preview, confirm.
    exported = page.request.get(f"{web.base}/content/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    assert [r["title"] for r in rows] == ["Flu Saturday"] and rows[0]["campaign"] == "Flu season 2026"
    next_week = (when + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(rows[0] | {"title": "Flu Saturday, again", "publish_at_local": next_week})
    writer.writerow(rows[0] | {"title": "Broken", "brand": "no-such-brand"})
    upload = tmp_path / "next-week.csv"
    upload.write_text(out.getvalue(), encoding="utf-8")
    web.goto(page, "/content/import/")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("status")).to_contain_text("2 rows read: 1 ready, 1 with problems.")
    expect(page.get_by_text("Line 3:")).to_contain_text("no-such-brand")
    web.check(page)
    assert not ContentItem.objects.filter(title="Flu Saturday, again").exists()  # nothing before confirming
    page.get_by_role("button", name="Import 1 draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importing content from CSV")
    web.check(page)
    exchange.content_import_run(import_id=ContentImport.objects.get().pk)  # the worker's part (no-op if run)
    expect(page.get_by_role("status")).to_contain_text("1 draft created.")  # the page asks until done
    web.check(page)
    again = ContentItem.objects.get(title="Flu Saturday, again")
    assert again.status == "draft" and again.publish_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") == next_week
    assert not ContentItem.objects.filter(title="Broken").exists()
