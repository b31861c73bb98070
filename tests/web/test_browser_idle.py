"""Automatic logoff: a warning first, a way to stay, and no lost drafts."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from carecast.accounts.middleware import SESSION_KEY
from carecast.core.models import AuditEntry
from tests.conftest import check_accessibility
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def age_session(page: Page, seconds: float) -> SessionStore:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[SESSION_KEY] = time.time() - seconds
    session.save()
    return session


@pytest.fixture
def short_timeout(org):
    org.idle_timeout_minutes = 2
    org.save()


def test_warning_then_stay_signed_in(page: Page, live_server, people, short_timeout):
    page.clock.install()
    sign_in(page, live_server.url, people["contributor"].username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_hidden()
    age_session(page, 70)  # 50 of the 120 seconds left on the server
    page.clock.run_for(61_000)  # the page's own timer reaches the warning time
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    check_accessibility(page)
    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    assert time.time() - SessionStore(session_key=key)[SESSION_KEY] < 30


def test_sign_out_after_idle_keeps_the_draft(page: Page, live_server, people, short_timeout):
    sign_in(page, live_server.url, people["contributor"].username)
    page.goto(f"{live_server.url}/create/")
    page.get_by_label("Title").fill("Clinic hours")
    page.get_by_role("textbox", name="Text", exact=True).fill("We are open late on Thursdays.")
    age_session(page, 200)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to carecast")
    expect(page.get_by_role("status")).to_contain_text("signed out after a period of inactivity")
    assert AuditEntry.objects.filter(action="auth.idle_logout", actor=people["contributor"]).exists()
    page.get_by_label("Username or email").fill(people["contributor"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a post")
    expect(page.get_by_text("We restored the text you had not saved yet.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value(
        "We are open late on Thursdays."
    )
    expect(page.get_by_label("Title")).to_have_value("Clinic hours")
