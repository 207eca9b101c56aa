"""Deny by default, proven URL by URL.

Every URL pattern the project has (walked from the root resolver, so a new view is covered the day it is
added) is requested three ways: anonymously, with a password-only session, and with a fully verified one.
Only the allow-lists below may answer without a login, and only the second-factor allow-list may answer a
session that has the password but not the second factor.

These lists are written out here on purpose, separately from `mosty.core.middleware`: widening the
middleware's allow-list makes this test fail until someone decides, here too, that the new URL is public.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from mosty.accounts.tests.factories import login_password_only, login_verified, make_member

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"

# Reachable without logging in, with the status an anonymous GET gets.
PUBLIC = {
    "accounts:login": 200,
    "core:quick_exit": 302,  # to the neutral exit site, never to the login page
    "core:healthz": 200,
    "core:set_language": 405,  # POST only
    # The public intake: the start page; the form (POSTed to; a GET shows the start page again); the status
    # check; the applicant's answer and leaving the status page (POST only).
    "intake:start": 200,
    "intake:request": 200,
    "intake:status": 200,
    "intake:reply": 405,
    "intake:leave": 405,
}
# The API authenticates every call with its own tokens and answers JSON 401 itself; only its schema and the
# docs page are anonymous.
API_PREFIX = "/api/"
API_PUBLIC = {"api:openapi-json": 200, "api:openapi-view": 200}
# Reachable with the password only (the steps towards the second factor), with their status for a GET.
SECOND_FACTOR = {
    "accounts:verify": 200,
    "accounts:enrol": 302,  # this user already has a device: sent on to verify
    "accounts:logout": 405,  # POST only
}
# django-otp-webauthn's ceremony endpoints: the passkey *is* the second factor, so they must be reachable
# before it. Its views apply their own rule: registering needs a verified session once a device exists.
SECOND_FACTOR_PREFIX = "/webauthn/"

# A value for each path converter, so patterns with parameters are requested too.
CONVERTER_SAMPLES = {
    "IntConverter": "1",
    "StringConverter": "x",
    "SlugConverter": "x",
    "PathConverter": "x",
    "UUIDConverter": "00000000-0000-0000-0000-000000000001",
}
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Target:
    path: str
    name: str  # namespaced view name, or "" for unnamed patterns
    pattern: URLPattern

    def __str__(self) -> str:
        return self.path


def _sample_regex(regex: str) -> str:
    """A concrete string for a regex URL pattern: named groups filled with a value their body accepts."""

    def fill(match: re.Match[str]) -> str:
        body = match.group("body")
        for candidate in ("1", "x", body.split("|")[0]):
            if re.fullmatch(body, candidate):
                return candidate
        raise AssertionError(f"no sample value for group {match.group(0)!r}: add one to _sample_regex")

    text = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    text = _NAMED_GROUP.sub(fill, text)
    text = text.replace(".*", "x").replace(".+", "x")
    if re.search(r"[\\()\[\]*+?|{}^$]", text):
        raise AssertionError(f"cannot make a sample path for regex {regex!r}: extend _sample_regex")
    return text


def _sample(pattern: RoutePattern | RegexPattern) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        for match in _ROUTE_PARAM.finditer(route):
            converter = type(pattern.converters[match.group("name")]).__name__
            if converter not in CONVERTER_SAMPLES:
                raise AssertionError(f"no sample value for path converter {converter}: add it to CONVERTER_SAMPLES")
        return _ROUTE_PARAM.sub(lambda m: CONVERTER_SAMPLES[type(pattern.converters[m.group("name")]).__name__], route)
    return _sample_regex(pattern.regex.pattern)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "/", namespace: str = "") -> list[Target]:
    targets: list[Target] = []
    for entry in patterns:
        segment = _sample(entry.pattern)  # type: ignore[arg-type]
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            targets.extend(_walk(entry.url_patterns, prefix + segment, inner or ""))
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            targets.append(Target(prefix + segment, name, entry))
    return targets


TARGETS = _walk(get_resolver().url_patterns)


def test_the_crawl_finds_the_project_urls():
    names = {t.name for t in TARGETS}
    assert {"core:home", "accounts:members", "accounts:audit_log", "admin:index", "api:openapi-json"} <= names
    # Every allow-listed name still exists (a renamed URL must not leave a stale entry here).
    assert set(PUBLIC) | set(API_PUBLIC) | set(SECOND_FACTOR) <= names


def test_every_sample_path_resolves_to_its_own_pattern():
    # Where two patterns share a path, the first one wins (config/urls.py puts our passkey completion view
    # in front of django-otp-webauthn's on purpose).
    first_by_path: dict[str, Target] = {}
    for target in TARGETS:
        first_by_path.setdefault(target.path, target)
    for target in TARGETS:
        assert resolve(target.path).func is first_by_path[target.path].pattern.callback, target.path


def _is_api(target: Target) -> bool:
    return target.path.startswith(API_PREFIX)


def _crawl(make_client: Callable[[], Client], method: str, check: Callable[[Target, Any], str | None]) -> None:
    """Request every target with a fresh client (a quick exit or a logout must not end the next request's
    session) and report every target that breaks the rule at once."""
    problems = []
    for target in TARGETS:
        client = make_client()
        response = getattr(client, method)(target.path)
        problem = check(target, response)
        if problem:
            problems.append(f"{method.upper()} {target.path} ({target.name or 'unnamed'}): {problem}")
    assert not problems, "\n".join(problems)


def _redirect(response: Any) -> str:
    return str(response["Location"]) if response.status_code == 302 else ""


def _api_problem(target: Target, response: Any) -> str | None:
    if target.name in API_PUBLIC:
        expected = API_PUBLIC[target.name]
        return None if response.status_code == expected else f"{response.status_code}, expected {expected}"
    if response.status_code != 401 or not response["Content-Type"].startswith("application/json"):
        return f"{response.status_code} {response['Content-Type']}, expected a JSON 401"
    return None


@pytest.mark.django_db
def test_anonymous_get():
    def check(target: Target, response: Any) -> str | None:
        if _is_api(target):
            return _api_problem(target, response)
        if target.name in PUBLIC:
            if response.status_code != PUBLIC[target.name]:
                return f"{response.status_code}, expected {PUBLIC[target.name]}"
            if response.status_code == 302 and _redirect(response) != settings.MOSTY_QUICK_EXIT_URL:
                return f"redirects to {_redirect(response)}"
            return None
        expected = f"{LOGIN}?next={quote(target.path, safe='')}"
        if _redirect(response) != expected:
            return f"{response.status_code} {_redirect(response)}: not on the public allow-list, yet not sent to log in"
        return None

    _crawl(Client, "get", check)


@pytest.mark.django_db
def test_anonymous_post():
    def check(target: Target, response: Any) -> str | None:
        if _is_api(target) or target.name in PUBLIC:
            # What these answer to an empty POST is tested with them; here: never a crash.
            return f"{response.status_code}" if response.status_code >= 500 else None
        # No `next` for a POST: it would be replayed as a GET.
        if _redirect(response) != LOGIN:
            return f"{response.status_code} {_redirect(response)}: not on the public allow-list, yet not sent to log in"
        return None

    _crawl(Client, "post", check)


def _password_only_client(user: Any) -> Callable[[], Client]:
    def make() -> Client:
        client = Client()
        login_password_only(client, user)
        return client

    return make


@pytest.mark.django_db
def test_password_only_get(caseworker):
    def check(target: Target, response: Any) -> str | None:
        if _is_api(target):
            # A browser session is not an API credential, not even a verified one.
            return _api_problem(target, response)
        expected = PUBLIC.get(target.name) or SECOND_FACTOR.get(target.name)
        if expected is not None:
            if response.status_code != expected:
                return f"{response.status_code}, expected {expected}"
            if target.name == "accounts:enrol" and _redirect(response) != VERIFY:
                return f"enrol redirects to {_redirect(response)}: a phished password could add a device"
            return None
        if target.path.startswith(SECOND_FACTOR_PREFIX):
            # Registration refuses (403: this user has a device and did not verify); authentication is POST
            # only (405); the script catalogue is a GET (200).
            return None if response.status_code in (200, 403, 405) else f"{response.status_code}"
        if _redirect(response) != VERIFY:
            return f"{response.status_code} {_redirect(response)}: answered a session without the second factor"
        return None

    _crawl(_password_only_client(caseworker), "get", check)


@pytest.mark.django_db
def test_password_only_post(caseworker):
    def check(target: Target, response: Any) -> str | None:
        allowed = target.name in PUBLIC or target.name in SECOND_FACTOR
        if _is_api(target) or allowed or target.path.startswith(SECOND_FACTOR_PREFIX):
            return f"{response.status_code}" if response.status_code >= 500 else None
        if _redirect(response) != VERIFY:
            return f"{response.status_code} {_redirect(response)}: answered a session without the second factor"
        return None

    _crawl(_password_only_client(caseworker), "post", check)


@pytest.mark.django_db
def test_verified_get_never_fails(organisation):
    """With dummy parameters no page may crash (a 500 raises in the test client) or send a verified platform
    administrator back to log in."""
    user = make_member(organisation, "org_admin", platform_admin=True)

    def make() -> Client:
        client = Client()
        login_verified(client, user)
        return client

    def check(target: Target, response: Any) -> str | None:
        if response.status_code >= 500:
            return f"{response.status_code}"
        if _redirect(response).split("?")[0] in (LOGIN, VERIFY):
            return f"sent a verified user to {_redirect(response)}"
        return None

    _crawl(make, "get", check)
