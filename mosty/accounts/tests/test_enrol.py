"""Enrolment of the first second factor, recovery codes, and the promise that a phished password cannot add
a device: only a user with no second factor at all may enrol without verifying first."""

from __future__ import annotations

import base64
import json

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from mosty.accounts import services
from mosty.accounts.models import RecoveryCode, RecoveryCodeDevice
from mosty.accounts.tests.factories import PASSWORD, current_totp_code, make_member, totp_device
from mosty.core.models import AuditEvent

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"
ENROL = "/accounts/enrol/"
SECURITY = "/accounts/security/"
RECOVERY_CODES = "/accounts/recovery-codes/"
HOME = "/"


def _password(client: Client, username: str) -> str:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


def _database_dump() -> str:
    """Every row of every table, with sessions decoded: what a stolen database or backup would show."""
    dump = "\n".join(json.dumps(s.get_decoded()) for s in Session.objects.all())
    for table in apps.get_models():
        dump += serializers.serialize("json", table._default_manager.all())
    return dump


@pytest.fixture
def newcomer(organisation):
    return make_member(organisation, "caseworker", username="newcomer", totp=False)


@pytest.mark.django_db
def test_user_without_second_factor_is_sent_to_enrol(client, newcomer):
    assert _password(client, "newcomer") == ENROL
    assert client.get(HOME)["Location"] == VERIFY
    assert client.get(VERIFY)["Location"] == ENROL

    page = client.get(ENROL)
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content
    assert "otpauth://totp/" in content
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    # The secret is shown in groups of four for typing by hand, and is the device's key.
    groups = page.context["secret"].split()
    assert all(len(group) <= 4 for group in groups)
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == "".join(groups)
    assert page.context["secret"] in content
    # Reloading the page keeps the same secret (the app may already have scanned it).
    assert client.get(ENROL).context["otpauth_uri"] == device.config_url
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1
    # Registering a passkey instead is offered (django-otp-webauthn's script fills in the button).
    for element_id in ("passkey-registration-placeholder", "passkey-registration-available-template"):
        assert f'id="{element_id}"' in content
    assert "otp_webauthn_register.js" in content


@pytest.mark.django_db
def test_enrolment_verifies_the_session_and_shows_recovery_codes_once(client, newcomer):
    _password(client, "newcomer")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)

    response = client.post(ENROL, {"code": current_totp_code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert code in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="otp.totp_enrolled", actor_id=newcomer.pk).exists()

    # Shown once: no later page shows them again.
    for url in (RECOVERY_CODES, ENROL):
        later = client.get(url, follow=True)
        assert later.status_code == 200
        assert later.redirect_chain[-1][0] == SECURITY
        for code in codes:
            assert code not in later.content.decode()

    # Stored only as hashes; never in the session table either.
    assert RecoveryCode.objects.filter(device__user=newcomer).count() == 10
    dump = _database_dump()
    for code in codes:
        assert code not in dump
        assert code.replace("-", "") not in dump


@pytest.mark.django_db
def test_enrolment_with_a_wrong_code_confirms_nothing(client, newcomer):
    _password(client, "newcomer")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    valid = {current_totp_code(device, offset_steps=n) for n in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME)["Location"] == VERIFY
    assert not RecoveryCodeDevice.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_enrolment_is_refused_to_a_user_who_has_a_device_but_did_not_verify(client, caseworker):
    """A phished password cannot add a device: every way to add one needs the existing second factor."""
    _password(client, caseworker.username)
    before = list(TOTPDevice.objects.filter(user=caseworker).values_list("pk", "key"))

    assert client.get(ENROL)["Location"] == VERIFY
    assert client.post(ENROL, {"code": "123456"})["Location"] == VERIFY
    assert client.post(SECURITY, {"action": "regenerate_recovery_codes"})["Location"] == VERIFY
    # django-otp-webauthn's own registration endpoint refuses too.
    response = client.post("/webauthn/registration/begin/", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"

    assert list(TOTPDevice.objects.filter(user=caseworker).values_list("pk", "key")) == before
    assert not RecoveryCodeDevice.objects.filter(user=caseworker).exists()
    assert not WebAuthnCredential.objects.filter(user=caseworker).exists()


@pytest.mark.django_db
def test_verified_user_on_enrol_goes_to_security(verified_client):
    assert verified_client.get(ENROL)["Location"] == SECURITY


@pytest.mark.django_db
def test_recovery_code_logs_in_once(client, caseworker):
    codes = services.recovery_codes_regenerate(user=caseworker)
    _password(client, caseworker.username)
    response = client.post(VERIFY, {"recovery_code": codes[0]})
    assert response.status_code == 302
    assert response["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert b"You used a recovery code" in home.content
    assert AuditEvent.objects.filter(action="otp.recovery_code_used", actor_id=caseworker.pk).exists()
    client.post("/accounts/logout/")

    _password(client, caseworker.username)
    response = client.post(VERIFY, {"recovery_code": codes[0]})
    assert response.status_code == 400
    assert b"not valid or was already used" in response.content
    assert client.get(HOME)["Location"] == VERIFY

    # Another unused code still works, typed loosely (upper case, no dashes).
    response = client.post(VERIFY, {"recovery_code": codes[1].replace("-", "").upper()})
    assert response["Location"] == HOME


@pytest.mark.django_db
def test_recovery_codes_are_stored_hashed(caseworker):
    codes = services.recovery_codes_regenerate(user=caseworker)
    stored = list(RecoveryCode.objects.filter(device__user=caseworker).values_list("code_hash", flat=True))
    assert len(stored) == 10
    dump = _database_dump()
    for code in codes:
        assert code not in stored
        assert code not in dump
        assert code.replace("-", "") not in dump


@pytest.mark.django_db
def test_regenerating_recovery_codes_shows_new_ones_once_and_voids_the_old(client, caseworker):
    old = services.recovery_codes_regenerate(user=caseworker)
    _password(client, caseworker.username)
    client.post(VERIFY, {"code": current_totp_code(totp_device(caseworker))})

    response = client.post(SECURITY, {"action": "regenerate_recovery_codes"})
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert response.context["continue_url"] == SECURITY
    later = client.get(SECURITY)
    for code in new:
        assert code not in later.content.decode()
    assert later.context["recovery_remaining"] == 10
    for code in new:
        assert code not in _database_dump()

    client.post("/accounts/logout/")
    _password(client, caseworker.username)
    assert client.post(VERIFY, {"recovery_code": old[2]}).status_code == 400
    assert client.post(VERIFY, {"recovery_code": new[2]})["Location"] == HOME


@pytest.fixture
def passkey(caseworker):
    return WebAuthnCredential.objects.create(
        user=caseworker,
        name="Security key",
        credential_id=b"\x01" * 32,
        public_key=b"\x02" * 64,
        aaguid="00000000-0000-0000-0000-000000000000",
        confirmed=True,
    )


@pytest.mark.django_db
def test_no_passkey_button_without_a_passkey(client, caseworker):
    _password(client, caseworker.username)
    page = client.get(VERIFY)
    assert b"passkey-verification-button" not in page.content
    assert b"otp_webauthn_auth.js" not in page.content


@pytest.mark.django_db
def test_passkey_button_for_a_user_with_a_passkey(client, caseworker, passkey):
    _password(client, caseworker.username)
    content = client.get(VERIFY).content.decode()
    # The element ids django-otp-webauthn's script looks for.
    for element_id in (
        "passkey-verification-placeholder",
        "passkey-verification-available-template",
        "passkey-verification-unavailable-template",
        "passkey-verification-button",
        "passkey-verification-status-message",
        "otp_webauthn_config",
    ):
        assert f'id="{element_id}"' in content
    assert "otp_webauthn_auth.js" in content
    config = json.loads(content.split('id="otp_webauthn_config" type="application/json">')[1].split("</script>")[0])
    # After the passkey the browser comes back to the verify page, which forwards to the saved `next`.
    assert config["nextFieldSelector"] == "#passkey-next"
    assert 'id="passkey-next" value="/accounts/verify/"' in content


@pytest.mark.django_db
def test_passkey_appears_on_security_page(verified_client, passkey):
    page = verified_client.get(SECURITY)
    assert b"Security key" in page.content
    for element_id in (
        "passkey-registration-placeholder",
        "passkey-register-button",
        "passkey-register-status-message",
    ):
        assert f'id="{element_id}"'.encode() in page.content
