"""Browser-test helpers: every page a test's browser reaches is checked with axe-core before it moves on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import check_accessibility
from tests.factories import PASSWORD


@dataclass
class _Seen:
    url: str | None = None
    checked: bool = True


@dataclass
class Web:
    """People's browsers on the live server, with a ledger of the pages each one reached.

    A page counts as reached when its document loads (a reload or a script's redirect too; a jump to
    an anchor on the same page does not). `check(page)` runs axe on the page shown now; when the test
    ends, any page that was reached but never checked fails it.
    """

    browser: Browser
    base: str
    seen: dict[Page, _Seen] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        self.seen[page] = _Seen()

        def loaded(p: Page) -> None:
            seen = self.seen[p]
            if seen.url is not None and not seen.checked:
                self.missed.append(seen.url)
            seen.url, seen.checked = p.url, False

        page.on("domcontentloaded", loaded)
        return page

    def person(self, **context_args: Any) -> Page:
        """A fresh browser context: another person, or the same person on another device."""
        context = self.browser.new_context(bypass_csp=True, **context_args)
        self.contexts.append(context)
        return self.watch(context.new_page())

    def check(self, page: Page) -> None:
        page.wait_for_load_state("domcontentloaded")  # the ledger has seen this document
        check_accessibility(page)
        self.seen[page].checked = True

    def goto(self, page: Page, path: str) -> None:
        response = page.goto(f"{self.base}{path}")
        assert response is not None and response.ok, (path, response and response.status)
        self.check(page)

    def sign_in(self, page: Page, username: str, *, lands_on: str = "Good to see you") -> None:
        self.goto(page, "/accounts/login/")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(lands_on)
        self.check(page)

    def unchecked(self) -> list[str]:
        return self.missed + [s.url for s in self.seen.values() if s.url is not None and not s.checked]


@pytest.fixture
def web(browser: Browser, live_server: Any, transactional_db: Any) -> Iterator[Web]:
    helper = Web(browser=browser, base=live_server.url)
    yield helper
    for context in helper.contexts:
        context.close()
    assert not helper.unchecked(), f"pages reached without an accessibility check: {helper.unchecked()}"


def tab_to(page: Page, target: Locator, *, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until `target` has the keyboard focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} cannot be reached with {key}")
