"""Automatic logoff: a warning first, a way to stay, and no lost drafts (and nobody else's)."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from carecast.accounts.middleware import SESSION_KEY
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def session(page: Page) -> SessionStore:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return SessionStore(session_key=key)


def age_session(page: Page, seconds: float) -> None:
    """As if the person's last request had been `seconds` ago, on the server."""
    store = session(page)
    store[SESSION_KEY] = time.time() - seconds
    store.save()


@pytest.fixture
def short_timeout(org):
    org.idle_timeout_minutes = 2  # the page warns 60 seconds before the end
    org.save()


def test_warning_is_announced_and_stay_signed_in_extends_the_session(web, page, people, short_timeout):
    web.watch(page)
    page.clock.install()
    web.sign_in(page, people["contributor"].username)
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_hidden()

    age_session(page, 70)  # 50 of the 120 seconds left on the server
    page.clock.run_for(61_000)  # the page's own timer reaches the warning time
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description(re.compile("you will be signed out in"))
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    web.check(page)

    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert time.time() - session(page)[SESSION_KEY] < 30  # the server counts from now again
    page.clock.run_for(30_000)
    expect(dialog).to_be_hidden()  # the page counts from now again too
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    web.check(page)
    assert not AuditEntry.objects.filter(action="auth.idle_logout").exists()


def test_stay_signed_in_after_the_server_signed_them_out_goes_to_sign_in(web, page, people, short_timeout):
    """The warning was up but nobody answered in time (a laptop asleep): the button cannot save the
    session, so the page says so by going to sign-in instead of pretending it worked."""
    web.watch(page)
    page.clock.install()
    web.sign_in(page, people["contributor"].username)
    age_session(page, 70)
    page.clock.run_for(61_000)
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    web.check(page)
    age_session(page, 200)
    stay.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to carecast")
    expect(page.get_by_role("status")).to_contain_text("signed out after a period of inactivity")
    web.check(page)


def test_text_typed_before_an_idle_sign_out_is_restored_after_signing_back_in(
    web, page, people, brand, short_timeout
):
    web.watch(page)
    page.clock.install()
    web.sign_in(page, people["contributor"].username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a post")
    web.check(page)
    page.get_by_label("Title").fill("Clinic hours")
    page.get_by_role("textbox", name="Text", exact=True).fill("We are open late on Thursdays.")

    age_session(page, 200)  # past the two minutes on the server
    page.clock.run_for(61_000)  # the page asks how long is left, and is sent to sign in
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to carecast")
    expect(page.get_by_role("status")).to_contain_text("signed out after a period of inactivity")
    web.check(page)
    assert AuditEntry.objects.filter(action="auth.idle_logout", actor=people["contributor"]).exists()

    page.get_by_label("Username or email").fill(people["contributor"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a post")  # back where they were
    expect(page.get_by_text("We restored the text you had not saved yet.")).to_be_visible()
    text = page.get_by_role("textbox", name="Text", exact=True)
    expect(text).to_have_value("We are open late on Thursdays.")
    expect(page.get_by_label("Title")).to_have_value("Clinic hours")
    web.check(page)

    # Once saved, the kept copy is gone: the next new post starts empty.
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    web.check(page)
    web.goto(page, "/create/")
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.get_by_text("We restored the text you had not saved yet.")).to_have_count(0)


def test_a_draft_kept_after_an_idle_sign_out_is_not_shown_to_the_next_person(
    web, page, people, brand, short_timeout
):
    """A shared workstation: the next person to sign in must not see the last one's unsaved text."""
    web.watch(page)
    web.sign_in(page, people["contributor"].username)
    web.goto(page, "/create/")
    page.get_by_role("textbox", name="Text", exact=True).fill("Mr Smith in room 4 is doing better.")
    age_session(page, 200)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to carecast")
    web.check(page)

    page.get_by_label("Username or email").fill(people["admin"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a post")
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value("")
    expect(page.get_by_text("We restored the text you had not saved yet.")).to_have_count(0)
    assert "Mr Smith" not in page.evaluate("JSON.stringify(localStorage)")
    web.check(page)
