"""The accounts pages obey the rules a strict CSP and assistive technology need: no inline script or style,
a label for every input, errors announced with role="alert", nothing loaded from another origin."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from mosty.accounts.models import Membership, Organisation
from mosty.accounts.tests.factories import (
    PASSWORD,
    current_totp_code,
    login_password_only,
    login_verified,
    make_member,
    make_user,
)
from mosty.core.models import AuditEvent

# Script types the browser does not execute (data blocks), which a strict CSP allows.
DATA_SCRIPT_TYPES = {"application/json"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.label_targets: set[str] = set()
        self.fields: list[tuple[str, dict[str, str | None]]] = []
        self.alerts = 0
        self.in_template = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.problems.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in a):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not a.get("src") and a.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append("inline <script>")
        for attr in ("src", "href", "action"):
            value = a.get(attr) or ""
            if value.startswith(("http:", "https:", "//")) and tag != "a":
                self.problems.append(f"<{tag} {attr}={value!r}> loads from another origin")
        if tag == "label" and a.get("for"):
            self.label_targets.add(str(a["for"]))
        if tag in {"input", "select", "textarea"} and (a.get("type") or "text") not in UNLABELLED_INPUT_TYPES:
            self.fields.append((tag, a))
        if a.get("role") == "alert":
            self.alerts += 1

    def check_labels(self) -> None:
        for tag, a in self.fields:
            if a.get("id") in self.label_targets or a.get("aria-label") or a.get("aria-labelledby"):
                continue
            self.problems.append(f"<{tag} name={a.get('name')!r}> has no label")


def audit(content: bytes) -> PageAudit:
    parser = PageAudit()
    parser.feed(content.decode())
    parser.check_labels()
    return parser


def assert_clean(response, *, status: int = 200, alert: bool = False) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = audit(response.content)
    assert page.problems == []
    if alert:
        assert page.alerts >= 1


@pytest.mark.django_db
def test_login_pages(client, caseworker):
    assert_clean(client.get("/accounts/login/"))
    assert_clean(client.post("/accounts/login/", {"username": "x", "password": "y"}), status=400, alert=True)
    # A missing field is reported on the field, announced too.
    assert_clean(client.post("/accounts/login/", {"username": "", "password": ""}), status=400, alert=True)


@pytest.mark.django_db
def test_verify_pages(client, caseworker):
    login_password_only(client, caseworker)
    assert_clean(client.get("/accounts/verify/"))
    assert_clean(client.post("/accounts/verify/", {"code": "12"}), status=400, alert=True)
    assert_clean(client.post("/accounts/verify/", {"recovery_code": "nope"}), status=400, alert=True)
    WebAuthnCredential.objects.create(
        user=caseworker,
        name="Key",
        credential_id=b"\x05" * 32,
        public_key=b"\x06" * 64,
        aaguid="00000000-0000-0000-0000-000000000000",
        confirmed=True,
    )
    assert_clean(client.get("/accounts/verify/"))


@pytest.mark.django_db
def test_enrol_and_recovery_code_pages(client, organisation):
    newcomer = make_member(organisation, "caseworker", username="newcomer", totp=False)
    client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    assert_clean(client.get("/accounts/enrol/"))
    assert_clean(client.post("/accounts/enrol/", {"code": "abcdef"}), status=400, alert=True)
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    response = client.post("/accounts/enrol/", {"code": current_totp_code(device)})
    assert_clean(response)
    assert b"offline" in response.content


@pytest.mark.django_db
def test_security_members_and_audit_pages(client, organisation):
    admin = make_member(organisation, "org_admin", username="org-admin")
    login_verified(client, admin)
    assert_clean(client.get("/accounts/security/"))
    assert_clean(client.post("/accounts/security/", {"action": "regenerate_recovery_codes"}))
    assert_clean(client.get("/accounts/members/"))
    assert_clean(client.get("/accounts/audit/"))


@pytest.mark.django_db
def test_empty_states(client):
    loner = make_user("loner")
    login_verified(client, loner)
    response = client.get("/accounts/members/")
    assert_clean(response)
    assert b'class="empty"' in response.content


@pytest.mark.django_db
def test_audit_log_empty_state(organisation):
    admin = make_member(organisation, "org_admin", username="org-admin")
    client = Client()
    login_verified(client, admin)
    assert AuditEvent.objects.filter(organisation_id=organisation.pk).exists()
    # An organisation with no events of its own yet (created outside the services, for this test only).
    quiet = Organisation.objects.create(name="Quiet", slug="quiet")
    Membership.objects.create(user=admin, organisation=quiet, role="org_admin")
    client.post("/accounts/organisation/", {"organisation": quiet.pk})
    response = client.get("/accounts/audit/")
    assert_clean(response)
    assert b'class="empty"' in response.content
