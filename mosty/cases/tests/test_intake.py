"""The public intake end to end through the test client: the start page, the form per support type, the
codename (shown once, stored only as a keyed slow hash), the status check and messages both ways, and every
abuse rule (honeypot, timing ticket, sizes, wrong targets, floods, status-check limit, cookies)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.db.models import F
from django.test import Client

from mosty.accounts.models import Organisation
from mosty.accounts.tests.factories import make_organisation
from mosty.api.tests.factories import database_dump
from mosty.cases import intake, intake_forms, selectors, services
from mosty.cases.intake_views import CHECK_IN_SECONDS, SESSION_CASE, SESSION_SINCE
from mosty.cases.models import (
    Case,
    CaseEvent,
    CaseMessage,
    CaseSource,
    CaseTypeSettings,
    IntakeWindow,
    MessageDirection,
    Person,
)
from mosty.cases.tests.factories import caseworker
from mosty.core.crypto import codenames
from mosty.core.crypto.keyring import acting_as
from mosty.core.crypto.passphrase import WORDS
from mosty.core.models import AuditEvent
from mosty.registry.models import Region, SupportType

pytestmark = pytest.mark.django_db

START = "/intake/"
REQUEST = "/intake/request/"
STATUS = "/intake/status/"
REPLY = "/intake/status/reply/"
LEAVE = "/intake/status/leave/"

CANARY_NAME = "canary-name-Снегирь-4417"
CANARY_CONTACT = "canary-contact-signal-Зяблик-8802"
CANARY_NEED = "canary-need-Ласточка-3391"
CANARY_CITY = "canary-city-Кострома-5120"
CANARY_REPLY = "canary-reply-Синица-6604"
CANARY_MESSAGE = "canary-question-Дрозд-7713"
_CODENAME = re.compile(r'<p class="secret" id="codename">([^<]+)</p>')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_NONFIELD_ERRORS = re.compile(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>')


@pytest.fixture(autouse=True)
def _cheap_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production Argon2id cost (64 MiB, 3 passes) is tested once, in `test_production_cost_*`."""
    monkeypatch.setattr(codenames, "COST", codenames.Cost(time_cost=1, memory_kib=64, parallelism=1))


# --- helpers ----------------------------------------------------------------------------------------------------


def old_ticket(organisation: Any, support_type: str = "legal-aid", *, age: float = 10.0) -> str:
    """A ticket as if the form had been shown `age` seconds ago (a person takes a while to fill it in)."""
    return intake_forms.issue_ticket(organisation.pk, support_type, now=time.time() - age).token


def form_data(organisation: Any, support_type: str = "legal-aid", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": old_ticket(organisation, support_type),
        "need": "I need a lawyer for a hearing next month.",
        "risk": "3",
        "urgency": "2",
        "name": "",
        "contact": "",
        "region": "",
        "website": "",
    }
    data.update(fields)
    return data


def submit(client: Client, organisation: Any, support_type: str = "legal-aid", **fields: Any) -> Any:
    return client.post(REQUEST, form_data(organisation, support_type, **fields))


def found(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    assert match, pattern.pattern
    return match.group(1)


def codename_from(response: Any) -> str:
    match = _CODENAME.search(response.content.decode())
    assert match, "no codename on the confirmation page"
    return match.group(1)


def inactive_organisation(name: str, slug: str) -> Any:
    organisation = make_organisation(name, slug=slug)
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    organisation.refresh_from_db()
    return organisation


def counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
        "events": CaseEvent.objects.count(),
        "messages": CaseMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def check_in(client: Client, codename: str) -> Any:
    return client.post(STATUS, {"codename": codename})


# --- the start page -----------------------------------------------------------------------------------------


def test_start_page_lists_active_organisations_with_the_types_they_take(client, django_assert_max_num_queries):
    open_org = make_organisation("Open Doors Centre", slug="open-doors")
    inactive_organisation("Closed Centre", "closed-centre")
    none_org = make_organisation("No Public Requests", slug="no-public")
    partial = make_organisation("Only Some Types", slug="some-types")
    for support_type in SupportType.objects.all():
        CaseTypeSettings.objects.create(
            organisation=none_org, support_type=support_type, retention_days=365, intake_enabled=False
        )
    CaseTypeSettings.objects.create(
        organisation=partial,
        support_type=SupportType.objects.get(slug="evacuation"),
        retention_days=365,
        intake_enabled=False,
    )
    with django_assert_max_num_queries(8):
        response = client.get(START)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Open Doors Centre" in page
    assert "Only Some Types" in page
    assert "Closed Centre" not in page
    assert "No Public Requests" not in page
    options = {o.organisation.slug: {t.slug for t in o.support_types} for o in intake.intake_options()}
    assert "evacuation" not in options["some-types"]
    assert "evacuation" in options["open-doors"]
    # The same rule as the case services' settings, organisation by organisation and type by type.
    for org in (open_org, partial, none_org):
        for support_type in SupportType.objects.all():
            expected = services.type_settings(org.pk, support_type).intake_enabled
            assert (support_type.slug in options.get(org.slug, set())) is expected
    # Plain forms, the quick exit, the safety advice, nothing heavy, no organisation or type in any link.
    assert 'id="quick-exit"' in page
    assert 'method="post" action="/intake/request/"' in page
    assert "Tor Browser" in page
    assert "<img" not in page
    assert "open-doors/" not in page
    assert len(response.content) < 40_000


def test_start_page_speaks_ukrainian_and_russian(client, organisation):
    response = client.get(START, HTTP_ACCEPT_LANGUAGE="uk")
    assert '<html lang="uk"' in response.content.decode()
    assert "Гуманітарна віза" in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(START)
    assert '<html lang="ru"' in response.content.decode()
    assert "Гуманитарная виза" in response.content.decode()


def test_language_switch_from_the_intake_returns_to_the_intake(client, organisation):
    client.get(START)
    response = client.post("/language/", {"language": "uk", "next": REQUEST})
    assert response.status_code == 302
    assert response["Location"] == REQUEST
    response = client.get(REQUEST)  # the form is never a GET: the start page, in Ukrainian
    assert response.status_code == 200
    assert '<html lang="uk"' in response.content.decode()


# --- the form per support type ------------------------------------------------------------------------------


def test_the_form_asks_the_types_intake_fields_in_the_readers_language(client, organisation):
    response = client.post(
        REQUEST, {"organisation": organisation.slug, "support_type": "humanitarian-visa"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Страна, в которую вы обращаетесь" in page  # the type's own field, in Russian
    assert 'name="d_destination"' in page
    assert 'name="d_embassy_date"' not in page  # intake=False: for the caseworker only
    for name in ("need", "name", "contact", "region", "risk", "urgency", "website", "token"):
        assert f'name="{name}"' in page
    assert 'class="intake-hp" aria-hidden="true"' in page
    assert 'autocomplete="off"' in page
    assert "RU-TA" in page  # the region select
    assert "style=" not in page  # the CSP forbids inline styles: the honeypot is hidden by a class
    assert "<img" not in page
    assert len(response.content) < 40_000  # over Tor, too (the region list is most of it)


def test_a_request_lands_in_the_queue_encrypted_with_a_codename_shown_once(client, organisation):
    response = submit(
        client,
        organisation,
        "legal-aid",
        name=CANARY_NAME,
        contact=CANARY_CONTACT,
        need=CANARY_NEED,
        d_current_city=CANARY_CITY,
        d_matter="criminal",
        region="RU-TA",
        risk="4",
        urgency="3",
    )
    assert response.status_code == 200
    codename = codename_from(response)
    words = codename.split(" ")
    assert len(words) == codenames.CODENAME_WORDS == 8
    assert set(words) <= set(WORDS)

    case = Case.objects.get()
    assert case.organisation == organisation
    assert case.source == CaseSource.INTAKE
    assert case.state == "new"
    assert (case.risk, case.urgency, case.triage_score) == (4, 3, 11)
    assert case.region == Region.objects.get(code="RU-TA")
    assert case.created_by is None
    assert case.codename_lookup == codenames.codename_lookup(codename)
    assert re.fullmatch(r"[0-9a-f]{64}", case.codename_lookup)
    with acting_as(organisation.pk):
        fresh = Case.objects.select_related("person").get(pk=case.pk)
        assert fresh.summary == CANARY_NEED
        assert fresh.details == {"current_city": CANARY_CITY, "matter": "criminal"}
        assert fresh.person.aliases == CANARY_NAME
        assert fresh.person.contact == CANARY_CONTACT
    # In the organisation's queue, for its caseworkers.
    viewer = caseworker(organisation)
    assert list(selectors.case_list(viewer)) == [case]
    assert CaseEvent.objects.filter(case=case, kind="created", data__source="intake").exists()
    assert AuditEvent.objects.filter(action="cases.case.created", object_id=str(case.pk)).exists()

    # What a thief of the database (and of its sessions) would read: none of it, and no codename.
    dump = database_dump()
    for canary in (CANARY_NAME, CANARY_CONTACT, CANARY_NEED, CANARY_CITY):
        assert canary not in dump
    for form in (
        codename,
        codename.replace(" ", ""),
        codename.replace(" ", "-"),
        codenames.normalise_codename(codename),
    ):
        assert form not in dump
    # Shown once: in this answer only, never in a header or a cookie.
    assert codename not in str(response.headers)
    assert all(codename not in morsel.value for morsel in response.cookies.values())
    assert codename not in client.get(STATUS).content.decode()


def test_the_codename_and_the_request_never_reach_the_logs(client, organisation, caplog):
    caplog.set_level(logging.DEBUG)
    codename = codename_from(submit(client, organisation, need=CANARY_NEED, contact=CANARY_CONTACT))
    check_in(Client(), "wrong " + codename)
    check_in(client, codename)
    client.post(REPLY, {"body": CANARY_REPLY})
    submit(Client(), organisation, website="spam", need=CANARY_NEED)
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (codename, codenames.normalise_codename(codename), CANARY_NEED, CANARY_CONTACT, CANARY_REPLY):
        assert secret not in logged


def test_sending_the_same_form_twice_opens_one_case(client, organisation):
    data = form_data(organisation)
    first = client.post(REQUEST, data)
    assert first.status_code == 200
    again = client.post(REQUEST, data)  # the back button, then "send again"
    assert again.status_code == 200
    assert "already sent" in again.content.decode()
    assert not _CODENAME.search(again.content.decode())
    assert Case.objects.count() == 1


# --- the status check, messages both ways -------------------------------------------------------------------


def test_the_codename_opens_the_status_and_messages_go_both_ways(client, organisation):
    codename = codename_from(submit(client, organisation))
    case = Case.objects.get()
    viewer = caseworker(organisation)
    with acting_as(organisation.pk):
        access = selectors.access_case_by_id(viewer, case.pk)
        sent = services.message_to_applicant(viewer=viewer, access=access, body=CANARY_MESSAGE)

    # Any capitals and separators: the same codename.
    typed = "  " + codename.upper().replace(" ", " - ") + "\n"
    response = check_in(client, typed)
    assert response.status_code == 302
    assert response["Location"] == STATUS
    assert codename not in response["Location"]
    response = client.get(STATUS)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<strong id="state">New</strong>' in page
    assert CANARY_MESSAGE in page
    sent.refresh_from_db()
    assert sent.read_at is not None
    assert 'action="/intake/status/reply/"' in page

    response = client.post(REPLY, {"body": CANARY_REPLY})
    assert response.status_code == 302
    reply = CaseMessage.objects.get(direction=MessageDirection.FROM_APPLICANT)
    assert reply.case == case
    assert reply.author is None
    with acting_as(organisation.pk):
        assert CaseMessage.objects.get(pk=reply.pk).body == CANARY_REPLY
    assert CaseEvent.objects.filter(case=case, kind="message_received").exists()
    event = AuditEvent.objects.get(action="cases.message.received")
    assert (event.object_type, event.object_id, event.actor_id) == ("case_message", str(reply.pk), None)
    assert event.organisation_id == organisation.pk
    page = client.get(STATUS).content.decode()
    assert "Your answer was sent." in page
    assert CANARY_REPLY in page
    dump = database_dump()
    assert CANARY_REPLY not in dump
    assert CANARY_MESSAGE not in dump

    # The caseworker moves the case on: the applicant sees the public label, in their language.
    with acting_as(organisation.pk):
        services.case_transition(viewer=viewer, access=selectors.access_case_by_id(viewer, case.pk), to_state="triage")
    in_russian = client.get(STATUS, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<strong id="state">На оценке</strong>' in in_russian  # noqa: RUF001


def test_a_wrong_codename_gets_one_neutral_answer_after_the_same_slow_hash(client, organisation, monkeypatch):
    codename = codename_from(submit(client, organisation))
    inactive = make_organisation("Gone", slug="gone")
    codename_gone = codename_from(submit(client, inactive))
    Organisation.objects.filter(pk=inactive.pk).update(is_active=False)

    hashed: list[str] = []
    real = codenames.codename_lookup

    def spy(value: str) -> str:
        hashed.append(value)
        return real(value)

    monkeypatch.setattr(codenames, "codename_lookup", spy)
    other = Client()
    answers = []
    for attempt in (codename.replace("a", "e", 1) + "x", "not even words", "x", codename_gone):
        response = check_in(other, attempt)
        assert response.status_code == 400
        answers.append(found(_NONFIELD_ERRORS, response.content.decode()))
    assert len(set(answers)) == 1
    assert "No request matches this codename" in answers[0]
    assert len(hashed) == 4  # the hash ran for every attempt, well-formed or not
    assert SESSION_CASE not in other.session
    assert check_in(other, codename).status_code == 302
    assert len(hashed) == 5


def test_the_status_check_is_never_a_get(client, organisation):
    codename = codename_from(submit(client, organisation))
    other = Client()
    response = other.get(STATUS, {"codename": codename})
    assert response.status_code == 200
    assert codename not in response.content.decode()
    assert 'method="post" action="/intake/status/"' in response.content.decode()
    assert SESSION_CASE not in other.session


def test_the_check_in_lasts_15_minutes_and_leave_ends_it(client, organisation):
    codename = codename_from(submit(client, organisation))
    other = Client()
    check_in(other, codename)
    assert SESSION_CASE in other.session
    session = other.session
    session[SESSION_SINCE] = time.time() - CHECK_IN_SECONDS - 1
    session.save()
    response = other.post(REPLY, {"body": "still there?"})
    assert response.status_code == 302
    assert CaseMessage.objects.count() == 0
    response = other.get(STATUS)
    assert "signed out after 15 minutes" in response.content.decode()
    assert SESSION_CASE not in other.session

    check_in(other, codename)
    assert other.get(STATUS).status_code == 200
    response = other.post(LEAVE)
    assert response.status_code == 200
    assert "You left the status page" in response.content.decode()
    assert SESSION_CASE not in other.session
    assert 'name="codename"' in other.get(STATUS).content.decode()


def test_a_closed_request_shows_its_state_and_takes_no_answer(client, organisation):
    codename = codename_from(submit(client, organisation))
    case = Case.objects.get()
    viewer = caseworker(organisation)
    with acting_as(organisation.pk):
        services.case_transition(
            viewer=viewer, access=selectors.access_case_by_id(viewer, case.pk), to_state="closed_declined"
        )
    check_in(client, codename)
    page = client.get(STATUS).content.decode()
    assert "Closed: declined" in page
    assert 'action="/intake/status/reply/"' not in page
    response = client.post(REPLY, {"body": "please"})
    assert response.status_code == 400
    assert CaseMessage.objects.count() == 0


# --- abuse --------------------------------------------------------------------------------------------------


def _refused(response: Any, before: dict[str, int], status: int = 400) -> None:
    assert response.status_code == status
    assert counts() == before
    assert not _CODENAME.search(response.content.decode())


def test_the_honeypot_refuses_and_writes_nothing(client, organisation):
    before = counts()
    response = submit(client, organisation, website="http://spam.example")
    _refused(response, before)
    assert "could not be sent" in response.content.decode()
    assert IntakeWindow.objects.count() == 0


def test_a_form_sent_too_fast_is_refused(client, organisation):
    page = client.post(REQUEST, {"organisation": organisation.slug, "support_type": "legal-aid"})
    token = found(_TOKEN, page.content.decode())
    before = counts()
    response = client.post(REQUEST, form_data(organisation, token=token))
    _refused(response, before)
    assert "That was very quick" in response.content.decode()


def test_an_expired_form_is_shown_again_with_a_fresh_ticket(client, organisation):
    stale = old_ticket(organisation, age=intake_forms.MAX_FORM_AGE_SECONDS + 5)
    before = counts()
    response = client.post(REQUEST, form_data(organisation, token=stale, need=CANARY_NEED))
    _refused(response, before)
    page = response.content.decode()
    assert "more than two hours" in page
    assert CANARY_NEED in page  # what was typed is kept
    renewed = found(_TOKEN, page)
    assert renewed != stale
    assert intake_forms.read_ticket(renewed).age() < 5


def test_a_forged_ticket_is_refused(client, organisation):
    token = old_ticket(organisation)
    before = counts()
    _refused(client.post(REQUEST, form_data(organisation, token=token[:-2] + "xx")), before)
    _refused(client.post(REQUEST, form_data(organisation, token="")), before)


@pytest.mark.parametrize(
    ("field", "size"),
    [
        ("need", intake.NEED_MAX_CHARS + 1),
        ("name", intake.NAME_MAX_CHARS + 1),
        ("contact", intake.CONTACT_MAX_CHARS + 1),
        ("d_current_city", 501),
        ("website", 201),
        ("token", 501),
    ],
)
def test_oversized_fields_are_refused(client, organisation, field, size):
    before = counts()
    response = submit(client, organisation, **{field: "x" * size})
    assert response.status_code == 400
    assert counts() == before


def test_bad_input_shows_the_form_again_with_errors(client, organisation):
    before = counts()
    response = submit(client, organisation, "micro-grant", need="", d_amount_eur="lots", region="XX-NOPE", risk="9")
    _refused(response, before)
    page = response.content.decode()
    assert page.count('class="errorlist"') >= 4
    assert 'name="d_purpose"' in page


def test_a_body_over_the_global_limit_is_refused(client, organisation):
    before = counts()
    response = submit(client, organisation, need="x" * (settings.MOSTY_MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert counts() == before


def test_wrong_targets_are_not_found(client, organisation):
    inactive = inactive_organisation("Inactive", "inactive")
    switched_off = make_organisation("Switched Off", slug="switched-off")
    CaseTypeSettings.objects.create(
        organisation=switched_off,
        support_type=SupportType.objects.get(slug="legal-aid"),
        retention_days=365,
        intake_enabled=False,
    )
    for org_slug, type_slug in (
        (organisation.slug, "no-such-type"),
        ("no-such-org", "legal-aid"),
        (inactive.slug, "legal-aid"),
        (switched_off.slug, "legal-aid"),
        ("", ""),
    ):
        response = client.post(REQUEST, {"organisation": org_slug, "support_type": type_slug})
        assert response.status_code == 404, (org_slug, type_slug)
    before = counts()
    # A ticket for a target that is not (or no longer) open: 404 too, nothing written.
    assert submit(client, inactive).status_code == 404
    assert submit(client, switched_off).status_code == 404
    assert submit(client, organisation, "no-such-type").status_code == 404
    assert counts() == before
    assert submit(client, switched_off, "evacuation").status_code == 200


def test_flooding_an_organisation_is_refused_per_window(client, organisation, other_organisation, settings):
    settings.MOSTY_INTAKE_PER_WINDOW = 3
    for _ in range(3):
        assert submit(Client(), organisation).status_code == 200
    before = counts()
    response = submit(Client(), organisation)
    _refused(response, before, status=429)
    assert 'data-error-code="rate_limited"' in response.content.decode()
    assert "Please try again in 10 minutes" in response.content.decode()
    assert IntakeWindow.objects.get(organisation=organisation).count == 3
    # Another organisation's window is its own.
    assert submit(Client(), other_organisation).status_code == 200
    # The next window opens again (the rows are moved back in time instead of waiting).
    IntakeWindow.objects.update(window_start=F("window_start") - intake.WINDOW_SECONDS * _seconds())
    assert submit(Client(), organisation).status_code == 200
    # No IP address or anything else about the sender is kept.
    assert {f.name for f in IntakeWindow._meta.get_fields()} == {"id", "organisation", "window_start", "count"}
    assert "127.0.0.1" not in database_dump()


def _seconds() -> Any:
    import datetime as dt

    return dt.timedelta(seconds=1)


def test_answers_count_in_the_organisations_window(client, organisation, settings):
    settings.MOSTY_INTAKE_PER_WINDOW = 2
    codename = codename_from(submit(client, organisation))
    check_in(client, codename)
    assert client.post(REPLY, {"body": "first"}).status_code == 302
    response = client.post(REPLY, {"body": "second"})
    assert response.status_code == 429
    assert CaseMessage.objects.count() == 1


def test_status_checks_are_limited_for_the_whole_installation(client, organisation, monkeypatch):
    codename = codename_from(submit(client, organisation))
    monkeypatch.setattr(intake, "STATUS_CHECKS_PER_WINDOW", 3)
    hashed: list[str] = []
    real = codenames.codename_lookup

    def spy(value: str) -> str:
        hashed.append(value)
        return real(value)

    monkeypatch.setattr(codenames, "codename_lookup", spy)
    for _ in range(3):
        assert check_in(Client(), "wrong words " * 8).status_code == 400
    response = check_in(Client(), codename)  # even the right one, from another browser: the window is full
    assert response.status_code == 429
    assert len(hashed) == 3  # refused before hashing
    # An empty form is not a check and is not counted.
    assert Client().post(STATUS, {"codename": ""}).status_code == 400


def test_the_intake_sets_no_cookie_but_the_session_and_csrf(client, organisation):
    allowed = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    seen: set[str] = set()

    def record(response: Any) -> Any:
        seen.update(response.cookies.keys())
        for name, morsel in response.cookies.items():
            if not morsel.value:  # a deletion (leaving ends the session)
                continue
            assert morsel["samesite"] == "Strict"
            assert morsel["httponly"]
            if name == settings.SESSION_COOKIE_NAME:
                assert not morsel["max-age"]  # gone when the browser closes
        return response

    record(client.get(START))
    page = record(client.post(REQUEST, {"organisation": organisation.slug, "support_type": "legal-aid"}))
    assert page.status_code == 200
    codename = codename_from(record(submit(client, organisation)))
    record(submit(client, organisation, website="spam"))
    record(check_in(client, "wrong"))
    record(check_in(client, codename))
    record(client.get(STATUS))
    record(client.post(REPLY, {"body": "hello"}))
    record(client.get(STATUS))
    record(client.post(LEAVE))
    record(client.get(STATUS))
    assert seen <= allowed
    assert settings.SESSION_COOKIE_NAME in seen
    assert set(client.cookies.keys()) <= allowed


def test_no_intake_cookie_outlives_the_browser(client):
    """A cookie kept on disk for a year tells whoever inspects the device that this site was visited."""
    response = client.get(START)
    for morsel in response.cookies.values():
        assert not morsel["max-age"]
        assert not morsel["expires"]


# --- codenames ----------------------------------------------------------------------------------------------


def test_codenames_are_64_bits_and_normalised() -> None:
    assert len(set(WORDS)) == 256
    assert codenames.ENTROPY_BITS == 64
    # No word is a prefix of another: dropping the separators never merges two codenames.
    assert not [(a, b) for a in WORDS for b in WORDS if a != b and b.startswith(a)]
    assert len({codenames.new_codename() for _ in range(50)}) == 50
    assert codenames.normalise_codename("Amber  CANYON-zebra\n") == codenames.normalise_codename("amber canyon zebra")
    assert codenames.normalise_codename("x" * 1000) == "x" * codenames.MAX_INPUT_CHARS


def test_the_lookup_is_keyed_by_the_installation_and_its_key_is_not_in_the_database() -> None:
    codename = codenames.new_codename()
    lookup = codenames.codename_lookup(codename)
    assert lookup == codenames.codename_lookup(codename.upper().replace(" ", "."))
    assert lookup != codenames.codename_lookup(codenames.new_codename())
    salt = codenames._installation_salt()
    dump = database_dump()
    assert salt.hex() not in dump
    assert salt.decode("latin-1") not in dump
    # The salt is the secret: the same codename with any other salt gives another hash.
    from argon2.low_level import Type, hash_secret_raw

    cost = codenames.COST
    guess = hash_secret_raw(
        codenames.normalise_codename(codename).encode(),
        b"\0" * 32,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    assert guess.hex() != lookup


def test_production_cost_is_argon2id_64_mib_3_passes(monkeypatch) -> None:
    monkeypatch.undo()
    assert codenames.Cost(time_cost=3, memory_kib=64 * 1024, parallelism=1) == codenames.COST
    assert re.fullmatch(r"[0-9a-f]{64}", codenames.codename_lookup(codenames.new_codename()))
