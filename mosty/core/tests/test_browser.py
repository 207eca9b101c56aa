"""A real browser (Debian's chromium, driven by Playwright) against the live server.

What only a browser proves: the login with a real TOTP code works with and without JavaScript, the language
switcher works both ways, the quick exit leaves no way back, and the page never asks another host for anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from mosty.accounts import services
from mosty.accounts.tests.factories import PASSWORD, current_totp_code, make_member, make_organisation, totp_device

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No name resolution at all, so even a mistake cannot reach the network: every host but localhost fails.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _chromium_or_skip() -> str:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    reason = f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped"
    if os.environ.get("MOSTY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MOSTY_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium_or_skip()
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it
    # (the test's own set-up and the transactional flush) unless told that this thread is synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def member(transactional_db: None) -> Any:
    organisation = make_organisation("Vilnius Shelter Network", slug="vilnius-shelter")
    return make_member(organisation, "caseworker", username="browser-caseworker")


@pytest.fixture
def exit_url(settings: Any, live_server: Any) -> str:
    """A quick-exit destination on another origin that is still this machine (127.0.0.1 vs localhost)."""
    url = str(live_server.url).replace("localhost", "127.0.0.1") + "/healthz/"
    assert urlsplit(url).netloc != urlsplit(live_server.url).netloc
    settings.MOSTY_QUICK_EXIT_URL = url
    return url


class Session:
    """A browser context that records every request; a request for another host is answered locally, never sent."""

    def __init__(self, browser: Any, live_server_url: str, *, javascript: bool) -> None:
        self.origin = live_server_url.rstrip("/")
        self.context = browser.new_context(java_script_enabled=javascript, locale="en-GB", service_workers="block")
        self.requests: list[str] = []
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("request", lambda request: self.requests.append(request.url))
        # Nothing may reach the outside even if a test goes wrong: foreign requests are answered locally.
        self.context.route(re.compile(r".*"), self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="text/plain", body="neutral page")

    def url(self, path: str) -> str:
        return self.origin + path

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.origin)
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "about:"))
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    def log_in(self, user: Any) -> None:
        page = self.page
        page.goto(self.url("/"))
        assert urlsplit(page.url).path == "/accounts/login/"
        form = page.locator("main form", has=page.locator("input[name=password]"))
        form.locator("input[name=username]").fill(user.username)
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/accounts/verify/"))
        code_form = page.locator("main form", has=page.locator("input[name=code]"))
        code_form.locator("input[name=code]").fill(current_totp_code(totp_device(user)))
        code_form.locator("button[type=submit]").click()
        page.wait_for_url(self.url("/"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_factory(browser: Any, live_server: Any) -> Iterator[Any]:
    sessions: list[Session] = []

    def make(*, javascript: bool = True) -> Session:
        session = Session(browser, live_server.url, javascript=javascript)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


def _switch_to_ukrainian(session: Session, *, javascript: bool) -> None:
    page = session.page
    switcher = page.locator("form.language-switcher")
    if javascript:
        # The select submits its form on change (mosty.js); the button is never touched.
        with page.expect_navigation():
            switcher.locator("select").select_option("uk")
    else:
        switcher.locator("select").select_option("uk")
        with page.expect_navigation():
            switcher.locator("button[type=submit]").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_log_in_with_totp_switch_to_ukrainian_and_stay_on_this_host(
    session_factory: Any, member: Any, javascript: bool
) -> None:
    session = session_factory(javascript=javascript)
    page = session.page
    session.log_in(member)
    assert page.locator("main h1").inner_text() == "Overview"
    assert "Vilnius Shelter Network" in page.locator("main").inner_text()
    assert page.locator("#quick-exit").is_visible()

    _switch_to_ukrainian(session, javascript=javascript)
    assert urlsplit(page.url).path == "/"
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("main h1").inner_text() == "Огляд"
    assert page.locator("#quick-exit").inner_text() == "Швидкий вихід"
    cookies = {c["name"]: c for c in session.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME]["value"] == "uk"
    assert cookies[settings.LANGUAGE_COOKIE_NAME]["httpOnly"]

    assert len(session.requests) > 3
    assert session.foreign_requests() == []


def test_quick_exit_replaces_history_and_clears_cookies(session_factory: Any, member: Any, exit_url: str) -> None:
    session = session_factory(javascript=True)
    page = session.page
    session.log_in(member)
    page.goto(session.url("/accounts/security/"))
    with page.expect_navigation(url=exit_url):
        page.locator("#quick-exit").click()
    assert page.url == exit_url
    assert session.context.cookies(session.origin) == []
    # location.replace: the exited page is no longer in the history, going back lands on the page before it.
    page.go_back()
    assert urlsplit(page.url).path != "/accounts/security/", "the exited page was replaced in the history"
    assert urlsplit(page.url).path == "/accounts/login/", "and the page before it needs a new login"
    assert [url for url in session.foreign_requests() if url != exit_url] == []


def test_escape_three_times_is_a_quick_exit(session_factory: Any, member: Any, exit_url: str) -> None:
    session = session_factory(javascript=True)
    page = session.page
    page.goto(session.url("/accounts/login/"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert urlsplit(page.url).path == "/accounts/login/", "two presses are not enough"
    with page.expect_navigation(url=exit_url):
        page.keyboard.press("Escape")


def test_quick_exit_is_reachable_by_keyboard(session_factory: Any, member: Any, exit_url: str) -> None:
    session = session_factory(javascript=True)  # focus can only be inspected with scripts on
    page = session.page
    session.log_in(member)
    page.goto(session.url("/"))  # a page without an autofocused field: Tab starts at the top
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()  # shown when focused
    page.keyboard.press("Tab")
    expect(page.locator("#quick-exit")).to_be_focused()
    with page.expect_navigation(url=exit_url):
        page.keyboard.press("Enter")


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _assert_layout_fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    exit_box = page.locator("#quick-exit").bounding_box()
    assert exit_box is not None
    assert exit_box["x"] >= 0
    assert exit_box["x"] + exit_box["width"] <= width
    controls = page.locator(".site-header a:not(#quick-exit):not(.skip-link), .site-header select, .site-header button")
    assert controls.count() >= 3
    for index in range(controls.count()):
        box = controls.nth(index).bounding_box()
        assert box is not None
        assert not _overlaps(exit_box, box), controls.nth(index).inner_text()


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_layout_fits_the_screen_and_quick_exit_hides_nothing(session_factory: Any, member: Any, width: int) -> None:
    """No sideways scrolling on a phone, and the fixed quick-exit button never covers a header control.

    Set MOSTY_SCREENSHOT_DIR to keep screenshots of the login and home pages for a human to look at.
    """
    shots = os.environ.get("MOSTY_SCREENSHOT_DIR")
    # A second organisation with a long name: the organisation switcher is the widest thing in the header.
    second = make_organisation("Independent Association of Relatives of Political Prisoners", slug="relatives")
    services.membership_set(user=member, organisation=second, role="viewer")
    session = session_factory(javascript=True)
    page = session.page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(session.url("/accounts/login/"))
    _assert_layout_fits(page, width)
    if shots:
        page.screenshot(path=str(Path(shots) / f"mosty-login-{width}.png"), full_page=True)
    session.log_in(member)
    _assert_layout_fits(page, width)
    if shots:
        page.screenshot(path=str(Path(shots) / f"mosty-home-{width}.png"), full_page=True)
