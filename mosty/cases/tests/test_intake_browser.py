"""The public intake in a real browser with JavaScript switched off (as in Tor Browser's safest mode): choose,
fill in, send, write the codename down from the confirmation page, check the status with it, answer, leave.
The browser keeps no cookie but the session and CSRF ones, and never asks another host for anything."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from mosty.accounts.tests.factories import make_organisation
from mosty.cases import intake_forms, selectors, services
from mosty.cases.models import Case, CaseMessage, MessageDirection
from mosty.cases.tests.factories import caseworker
from mosty.core.crypto import codenames
from mosty.core.crypto.keyring import acting_as
from mosty.core.crypto.passphrase import WORDS
from mosty.core.tests.test_browser import browser, session_factory  # noqa: F401  (fixtures)
from mosty.registry.catalogue import sync_catalogues
from mosty.registry.models import Region, Sector, SupportType

pytestmark = pytest.mark.browser


@pytest.fixture
def organisation(transactional_db: None) -> Any:
    # A transactional test empties every table afterwards, the shipped catalogues too: load them again.
    sync_catalogues(sector_model=Sector, support_type_model=SupportType, region_model=Region)
    return make_organisation("Riga Solidarity Hub", slug="riga-hub")


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server runs in this process: a cheap hash, and no wait before sending (the timing rule has its
    own tests)."""
    monkeypatch.setattr(codenames, "COST", codenames.Cost(time_cost=1, memory_kib=64, parallelism=1))
    monkeypatch.setattr(intake_forms, "MIN_FILL_SECONDS", 0)


def _shot(page: Any, name: str) -> None:
    """Set MOSTY_SCREENSHOT_DIR to keep screenshots of the intake's pages for a human to look at."""
    shots = os.environ.get("MOSTY_SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=str(Path(shots) / f"mosty-intake-{name}.png"), full_page=True)


def test_intake_and_status_check_without_javascript(session_factory: Any, organisation: Any) -> None:  # noqa: F811
    session = session_factory(javascript=False)
    page = session.page

    page.goto(session.url("/intake/"))
    assert page.locator("main h1").inner_text() == "Ask for help"
    assert page.locator("#quick-exit").is_visible()
    _shot(page, "start")
    choice = page.locator("main form", has=page.locator("input[name=organisation][value=riga-hub]"))
    choice.locator("select[name=support_type]").select_option("legal-aid")
    with page.expect_navigation():
        choice.locator("button[type=submit]").click()
    assert urlsplit(page.url).path == "/intake/request/"  # nothing about the choice in the URL

    form = page.locator("main form", has=page.locator("textarea[name=need]"))
    honeypot = form.locator("input[name=website]").bounding_box()
    assert honeypot is not None
    assert honeypot["x"] + honeypot["width"] <= 0  # the honeypot is off screen
    form.locator("textarea[name=need]").fill("I need a lawyer: my hearing is next month.")
    form.locator("[name=d_current_city]").fill("Kazan")
    form.locator("select[name=d_matter]").select_option("criminal")
    form.locator("select[name=region]").select_option("RU-TA")
    form.locator("select[name=risk]").select_option("3")
    form.locator("select[name=urgency]").select_option("3")
    form.locator("input[name=name]").fill("Lena")
    _shot(page, "form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("main h1").inner_text() == "Your request was sent"
    _shot(page, "sent")
    codename = page.locator("#codename").inner_text().strip()
    assert len(codename.split()) == 8
    assert set(codename.split()) <= set(WORDS)
    assert codename not in page.url

    case = Case.objects.get()
    assert (case.organisation_id, case.state, case.risk, case.urgency) == (organisation.pk, "new", 3, 3)
    viewer = caseworker(organisation)
    with acting_as(organisation.pk):
        access = selectors.access_case_by_id(viewer, case.pk)
        services.message_to_applicant(viewer=viewer, access=access, body="Do you have a copy of the summons?")

    page.locator("nav.sub-nav a", has_text="Check your request").click()
    page.wait_for_url(re.compile(r"/intake/status/$"))
    status_form = page.locator("main form", has=page.locator("input[name=codename]"))
    status_form.locator("input[name=codename]").fill(codename.upper().replace(" ", "-"))
    with page.expect_navigation():
        status_form.locator("button[type=submit]").click()
    assert urlsplit(page.url).path == "/intake/status/"
    assert not urlsplit(page.url).query
    assert page.locator("#state").inner_text() == "New"
    assert "Do you have a copy of the summons?" in page.locator("main").inner_text()

    reply = page.locator("main form", has=page.locator("textarea[name=body]"))
    reply.locator("textarea[name=body]").fill("Yes, I have a photo of it.")
    with page.expect_navigation():
        reply.locator("button[type=submit]").click()
    assert "Your answer was sent." in page.locator("main").inner_text()
    _shot(page, "status")
    assert CaseMessage.objects.filter(case=case, direction=MessageDirection.FROM_APPLICANT).count() == 1

    cookies = {c["name"]: c for c in session.context.cookies()}
    assert set(cookies) <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    assert cookies[settings.SESSION_COOKIE_NAME]["expires"] == -1  # a session cookie: gone with the browser
    assert all(codename not in c["value"] for c in cookies.values())

    with page.expect_navigation():
        page.locator("main form button", has_text="Leave").click()
    assert "You left the status page" in page.locator("main").inner_text()
    assert settings.SESSION_COOKIE_NAME not in {c["name"] for c in session.context.cookies()}
    page.goto(session.url("/intake/status/"))
    assert page.locator("input[name=codename]").count() == 1

    assert session.foreign_requests() == []
    assert all(urlsplit(url).path.startswith(("/intake/", "/static/")) for url in session.requests)


@pytest.mark.parametrize("width", [320, 1280])
def test_the_intake_fits_a_phone(session_factory: Any, organisation: Any, width: int) -> None:  # noqa: F811
    session = session_factory(javascript=True)  # to measure the page
    page = session.page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(session.url("/intake/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("textarea[name=need]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    exit_box = page.locator("#quick-exit").bounding_box()
    assert exit_box is not None
    assert exit_box["x"] + exit_box["width"] <= width
