"""The page shell every screen shares: landmarks, skip link, quick exit, and no asset from anywhere else.

Threats: a request to a third-party host (a CDN font, an analytics script, a remote image) tells whoever runs
that host, or watches the link, that this browser uses Mosty; an inline script or style would need the CSP
loosened, which is what an injected script needs too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from mosty.accounts.tests.factories import login_verified, make_member

# Attributes that make the browser fetch something (or navigate somewhere).
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background"}


LANDMARKS = frozenset({"header", "nav", "main", "footer"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    inside: frozenset[str] = frozenset()  # the landmarks this element sits in
    text: str = ""


@dataclass
class Page(HTMLParser):
    elements: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)
        self._open: list[Element] = []
        self._landmarks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs}, frozenset(self._landmarks))
        self.elements.append(element)
        if tag in {"script", "style"}:
            self._open.append(element)
        if tag in LANDMARKS:
            self._landmarks.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1].tag == tag:
            self._open.pop()
        if tag in LANDMARKS and tag in self._landmarks:
            del self._landmarks[len(self._landmarks) - 1 - self._landmarks[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture
def admin_client(client: Client, organisation: Any) -> Client:
    """A verified organisation administrator with a second organisation: the fullest header there is."""
    from mosty.accounts import services
    from mosty.accounts.tests.factories import make_organisation

    user = make_member(organisation, "org_admin", username="shell-admin")
    services.membership_set(user=user, organisation=make_organisation("Second Organisation"), role="viewer")
    login_verified(client, user)
    return client


def _get_page(client: Client, url: str) -> tuple[str, Page]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "Content-Security-Policy" in response.headers
    html = response.content.decode()
    return html, parse(html)


def _logged_in_urls(client: Client) -> list[str]:
    """Home and every page the navigation offers (other apps' pages included: the shell is theirs too)."""
    _html, page = _get_page(client, reverse("core:home"))
    urls = {reverse("core:home")} | {
        a.attrs["href"] for a in page.elements if a.tag == "a" and "nav" in a.inside and a.attrs["href"].startswith("/")
    }
    return sorted(url for url in urls if not url.startswith("/platform-admin/"))


# ---------------------------------------------------------------------------------------------- landmarks


@pytest.mark.django_db
def test_login_page_has_landmarks_skip_link_and_quick_exit(client: Client) -> None:
    _html, page = _get_page(client, reverse("accounts:login"))
    for tag in ("header", "main", "footer"):
        assert len(page.find(tag)) == 1, tag
    assert page.find("main", id="main")
    skip = page.find("a", href="#main")
    assert skip, "skip link"
    assert page.elements.index(skip[0]) < page.elements.index(page.find("header")[0]), "the skip link comes first"
    exits = page.find("a", id="quick-exit")
    assert len(exits) == 1
    assert exits[0].attrs["href"] == reverse("core:quick_exit")
    assert "accesskey" in exits[0].attrs
    html_tag = page.find("html")[0]
    assert html_tag.attrs["lang"] == "en"
    assert html_tag.attrs["dir"] == "ltr"
    assert page.find("nav") == [], "no navigation before login"
    assert page.find("form", action=reverse("core:set_language")), "the language switcher is on the login page"


@pytest.mark.django_db
def test_logged_in_page_has_nav_with_current_page_and_switchers(admin_client: Client) -> None:
    _html, page = _get_page(admin_client, reverse("core:home"))
    for tag in ("header", "nav", "main", "footer"):
        assert page.find(tag), tag
    assert page.find("nav")[0].attrs.get("aria-label")
    current = page.find("a", **{"aria-current": "page"})
    assert [a.attrs["href"] for a in current] == [reverse("core:home")]
    assert page.find("a", id="quick-exit")
    assert page.find("form", action=reverse("accounts:switch_organisation"))
    assert page.find("form", action=reverse("core:set_language"))
    assert page.find("form", action=reverse("accounts:logout"))
    # Every option of the language switcher names its language in that language, marked up as such.
    options = page.find("option")
    assert {o.attrs.get("lang") for o in options if "lang" in o.attrs} == {code for code, _ in settings.LANGUAGES}
    for label_for in ("org-switch", "language-select"):
        assert page.find("label", **{"for": label_for}), label_for


@pytest.mark.django_db
def test_quick_exit_is_on_every_logged_in_page(admin_client: Client) -> None:
    urls = _logged_in_urls(admin_client)
    assert len(urls) >= 2
    for url in urls:
        _html, page = _get_page(admin_client, url)
        assert len(page.find("a", id="quick-exit")) == 1, url
        assert page.find("main", id="main"), url


@pytest.mark.django_db
def test_quick_exit_ends_the_session_and_clears_site_data(admin_client: Client) -> None:
    response = admin_client.get(reverse("core:quick_exit"))
    assert response.status_code == 302
    assert response["Location"] == settings.MOSTY_QUICK_EXIT_URL
    assert "cookies" in response["Clear-Site-Data"]
    assert "storage" in response["Clear-Site-Data"]
    assert response["Cache-Control"] == "no-store"
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    assert admin_client.get(reverse("core:home")).status_code == 302, "the session is gone"


# ------------------------------------------------------------------------------- no external assets, no inline


def _external_urls(page: Page) -> list[tuple[str, str, str]]:
    found = []
    for element in page.elements:
        for name, value in element.attrs.items():
            if name.lower() not in URL_ATTRIBUTES and not name.lower().startswith("hx-"):
                continue
            for candidate in value.split(",") if name == "srcset" else [value]:
                url = candidate.strip().split(" ")[0]
                parts = urlsplit(url)
                if parts.scheme in {"", "data"} and not url.startswith("//"):
                    continue
                if parts.hostname in {"testserver", None} and parts.scheme in {"http", "https"}:
                    continue
                found.append((element.tag, name, url))
    return found


def _inline_code(page: Page) -> list[str]:
    problems = []
    for element in page.elements:
        # A JSON data block (type="application/json") is never executed; anything else without src would be.
        is_data_block = element.attrs.get("type", "").lower() in {"application/json", "application/ld+json"}
        if element.tag == "script" and not element.attrs.get("src") and not is_data_block:
            problems.append(f"inline <script>: {element.text[:60]!r}")
        if element.tag == "style":
            problems.append("a <style> element")
        if "style" in element.attrs:
            problems.append(f"style= on <{element.tag}>")
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        if handlers:
            problems.append(f"event handler {handlers} on <{element.tag}>")
        if element.attrs.get("href", "").lower().startswith("javascript:"):
            problems.append(f"javascript: URL on <{element.tag}>")
    return problems


@pytest.mark.django_db
def test_pages_load_nothing_from_other_hosts_and_have_no_inline_code(admin_client: Client) -> None:
    anonymous = Client()
    pages = [("login", *_get_page(anonymous, reverse("accounts:login")))]
    for url in _logged_in_urls(admin_client):
        pages.append((url, *_get_page(admin_client, url)))
    not_found = admin_client.get("/no-such-page/")
    assert not_found.status_code == 404
    pages.append(("404", not_found.content.decode(), parse(not_found.content.decode())))
    for name, _html, page in pages:
        assert _external_urls(page) == [], name
        assert _inline_code(page) == [], name
        scripts = [e.attrs["src"] for e in page.find("script") if e.attrs.get("src")]
        assert scripts[:2] == [static("mosty/htmx.min.js"), static("mosty/mosty.js")], name
        assert all(src.startswith("/") and not src.startswith("//") for src in scripts), name
        assert [e.attrs["href"] for e in page.find("link", rel="stylesheet")] == [static("mosty/mosty.css")], name


def test_the_scanner_would_notice() -> None:
    bad = parse(
        '<link rel="stylesheet" href="https://cdn.example/x.css"><img src="//tracker.example/p.gif">'
        '<script>alert(1)</script><script type="application/json">{}</script><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a><img srcset="/a.png 1x, http://other.example/b.png 2x">'
    )
    assert [url for _tag, _attr, url in _external_urls(bad)] == [
        "https://cdn.example/x.css",
        "//tracker.example/p.gif",
        "javascript:void(0)",
        "http://other.example/b.png",
    ]
    assert len(_inline_code(bad)) == 4


# ---------------------------------------------------------------------------------------------- static files


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("mosty/htmx.min.js", "javascript", b"htmx"),
        ("mosty/mosty.js", "javascript", b"quick-exit"),
        ("mosty/mosty.css", "text/css", b".quick-exit"),
        ("mosty/htmx.LICENSE.txt", "text/plain", b"Zero-Clause BSD"),
    ],
)
def test_static_files_are_served(client: Client, name: str, content_type: str, marker: bytes) -> None:
    response = client.get(static(name))
    try:
        assert response.status_code == 200
        assert content_type in response["Content-Type"]
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    finally:
        response.close()
    assert marker in body


def test_stylesheet_stays_small_and_uses_no_web_fonts() -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("mosty/mosty.css")
    assert path
    css = Path(path).read_text(encoding="utf-8")
    # Small enough to arrive in one or two round trips over Tor; raise it consciously, not by habit.
    assert len(css.encode()) < 20 * 1024
    for forbidden in ("@font-face", "@import", "url("):
        assert forbidden not in css
