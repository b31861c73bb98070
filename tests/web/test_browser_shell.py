"""The shell around the loop, in a real browser: navigation by keyboard and on a phone, settings, the
audit log, two-factor setup, password reset and a refused sign-in. axe checks every page reached."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest
from playwright.sync_api import Page, expect

from carecast.core.models import AuditEntry
from tests.factories import PASSWORD
from tests.web.conftest import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Nav label -> the page's main heading; None marks a section that is not built yet.
NAV = {
    "Calendar": "Calendar",
    "Create": "Create a post",
    "Library": "Content library",
    "Reviews": "Reviews",
    "Inbox": None,
    "Listening": None,
    "Community": None,
    "Audiences": None,
    "Analytics": None,
    "Settings": "Settings",
}


def skip_to_main(page: Page) -> None:
    """The first Tab on a page reaches a visible skip link; Enter puts the focus on the main content."""
    page.locator("body").evaluate("body => { document.activeElement?.blur(); }")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_every_nav_item_is_reachable_and_usable_from_the_keyboard(web, page, people):
    web.watch(page)
    web.sign_in(page, people["admin"].username)
    nav = page.get_by_role("navigation", name="Main")
    for label, heading in NAV.items():
        skip_to_main(page)
        link = nav.get_by_role("link", name=label, exact=True)
        tab_to(page, link, key="Shift+Tab")  # back from the main content into the navigation
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading or label)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        expect(nav.locator("[aria-current]")).to_have_count(1)
        built = page.get_by_text("Not built yet.", exact=True)
        if heading is None:
            expect(built).to_be_visible()
        else:
            expect(built).to_have_count(0)
        web.check(page)
    skip_to_main(page)


def test_the_menu_button_opens_and_closes_the_navigation_on_a_phone(web, people):
    phone = web.person(viewport={"width": 375, "height": 740})
    web.sign_in(phone, people["contributor"].username)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    menu = phone.get_by_role("button", name="Menu")
    calendar = phone.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(calendar).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(calendar).to_be_visible()
    web.check(phone)  # open, too
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(calendar).to_be_hidden()
    # The keyboard works the same way.
    menu.focus()
    phone.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    tab_to(phone, calendar)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Calendar")
    expect(menu).to_have_attribute("aria-expanded", "false")  # a new page starts with it closed
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    web.check(phone)


def test_an_admin_changes_settings_and_finds_the_change_in_the_audit_log(web, page, people, org):
    web.watch(page)
    web.sign_in(page, people["admin"].username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    web.check(page)
    timeout = page.get_by_label(re.compile("idle", re.I))
    timeout.fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Please fix 1 problem")
    web.check(page)
    org.refresh_from_db()
    assert org.idle_timeout_minutes != 0
    timeout.fill("20")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Organisation settings saved.")
    expect(timeout).to_have_value("20")
    web.check(page)
    org.refresh_from_db()
    assert org.idle_timeout_minutes == 20

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    web.check(page)
    page.get_by_label("Action").select_option("organization.update")
    page.get_by_label("Person").fill(people["admin"].username)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Action")).to_have_value("organization.update")
    rows = page.get_by_role("table").locator("tbody tr")
    count = AuditEntry.objects.filter(organization=org, action="organization.update").count()
    assert count == 1
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("organization.update")
    expect(page.get_by_text("1 entry.")).to_be_visible()
    web.check(page)


def test_two_factor_setup_page(web, page, people):
    web.watch(page)
    web.sign_in(page, people["admin"].username)
    web.goto(page, "/accounts/two-factor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    web.check(page)


def test_a_wrong_password_is_refused_with_an_announced_error(web, page, people):
    web.watch(page)
    web.goto(page, "/accounts/login/")
    expect(page.get_by_label("Username or email")).to_be_focused()
    page.get_by_label("Username or email").fill(people["contributor"].username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please fix 1 problem")
    expect(summary).to_contain_text("That username and password do not match.")
    expect(page.get_by_label("Username or email")).to_have_value(people["contributor"].username)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # still signed out
    web.check(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    web.check(page)


def test_password_reset_from_the_sign_in_page(web, page, people, smtp_server):
    web.watch(page)
    web.goto(page, "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    web.check(page)
    page.get_by_label("Email").fill(people["contributor"].email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    web.check(page)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[people["contributor"].email]]
    body = message_from_bytes(smtp_server.messages[0].content).get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/accounts/reset/\S+/", body)
    assert link, body

    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    web.check(page)
    first = page.get_by_label("New password", exact=True)
    expect(first).to_have_accessible_description(re.compile("At least 12 characters"))
    new = "a much longer passphrase for spring"
    first.fill(new)
    page.get_by_label("New password again").fill(new)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    web.check(page)
    page.get_by_role("link", name="Sign in with your new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to carecast")
    web.check(page)
    page.get_by_label("Username or email").fill(people["contributor"].email)
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    web.check(page)
