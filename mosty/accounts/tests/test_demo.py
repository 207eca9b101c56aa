"""Demo data: realistic coverage (every role, three scripts, a member of two organisations, a platform admin),
idempotent, credentials shown once and only then, and never mixed into a real installation."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts.demo import ORGANISATIONS, USERS, format_credentials, load_demo
from mosty.accounts.models import Membership, Organisation, Role, User
from mosty.core.audit import audit_verify
from mosty.core.crypto.keyring import acting_as
from mosty.core.crypto.passphrase import WORDS, new_passphrase
from mosty.core.exceptions import Conflict
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "totp": TOTPDevice.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def b32(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


# Each run hashes 16 passwords with the real Argon2id, so the assertions share as few runs as possible.


def test_first_run_creates_a_realistic_demo_and_returns_working_credentials():
    result = load_demo(reset_credentials=False)

    assert result.organisations_created == len(ORGANISATIONS) >= 5
    assert result.users_created == len(USERS)
    assert TOTPDevice.objects.filter(confirmed=True).count() == len(USERS)
    assert audit_verify().ok

    # Every role, every kind of organisation named in the brief, a member of two, one platform admin.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Organisation.objects.values_list("kind", flat=True)) >= {
        "intermediary",
        "network",
        "human_rights",
        "donor",
        "relatives",
        "media",
    }
    assert set(Organisation.objects.values_list("country", flat=True)) >= {"CZ", "DE", "UA", "LT", "LV"}
    assert User.objects.filter(is_staff=True, is_superuser=True).count() == 1
    assert [u.username for u in User.objects.all() if u.memberships.count() == 2] == ["anna.becker"]

    # Display names in Latin (Czech, German), Ukrainian and Russian Cyrillic; usernames ASCII.
    # Stored encrypted (the column holds only ciphertext); readable in the installation scope.
    stored = list(User.objects.values_list("display_name", flat=True))
    assert all(value is not None and value.startswith("m1:") for value in stored)
    with acting_as(None):
        names = [u.display_name for u in User.objects.all()]
    assert any(re.search("[ěščřžůň]", n) for n in names), "Czech"
    assert any(n in {"Lukas Hoffmann", "Anna Becker", "Sabine Wolf"} for n in names), "German"
    assert any(re.search("[іїєґ]", n.lower()) for n in names), "Ukrainian Cyrillic"
    assert any(re.search("[ыэъё]", n.lower()) for n in names), "Russian Cyrillic"
    assert all(u.isascii() for u in User.objects.values_list("username", flat=True))

    # Credentials: one per user, random, never stored in the clear, matching the devices.
    credentials = result.credentials
    assert {c.username for c in credentials} == set(User.objects.values_list("username", flat=True))
    passwords = [c.password for c in credentials]
    assert len(set(passwords)) == len(passwords)
    assert len({c.totp_secret for c in credentials}) == len(credentials)
    assert all(len(p.split("-")) == 7 and set(p.split("-")) <= set(WORDS) for p in passwords)
    assert not User.objects.filter(password__in=passwords).exists()
    for credential in credentials:
        user = User.objects.get(username=credential.username)
        parts = urlsplit(credential.otpauth_uri)
        assert (parts.scheme, parts.netloc, parts.path) == ("otpauth", "totp", f"/Mosty%3A{user.username}")
        query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
        assert query == {
            "secret": credential.totp_secret,
            "algorithm": "SHA1",
            "digits": "6",
            "period": "30",
            "issuer": "Mosty",
        }
        assert b32(credential.totp_secret) == TOTPDevice.objects.get(user=user).bin_key
    # Argon2id is deliberately slow: log in (password and a TOTP code) as two users only.
    for credential in credentials[:2]:
        user = User.objects.get(username=credential.username)
        assert user.check_password(credential.password)
        code = TOTP(b32(credential.totp_secret)).token()
        assert TOTPDevice.objects.get(user=user).verify_token(f"{code:06d}")

    # The table shows everything, once.
    table = format_credentials(credentials)
    assert table.splitlines()[0].split()[:2] == ["username", "organisations"]
    for credential in credentials:
        assert credential.username in table
        assert credential.password in table
        assert credential.otpauth_uri in table
    assert "platform admin" in table


def test_second_run_duplicates_nothing_and_shows_no_credentials():
    first = load_demo(reset_credentials=False)
    before = snapshot()
    second = load_demo(reset_credentials=False)
    assert snapshot() == before, "not even an audit event: nothing changed"
    assert second.credentials == []
    assert (second.organisations_created, second.users_created, second.memberships_set) == (0, 0, 0)
    assert (
        (second.organisations, second.users) == (first.organisations, first.users) == (len(ORGANISATIONS), len(USERS))
    )


def test_reset_credentials_issues_new_ones_and_revokes_the_old():
    old = {c.username: c for c in load_demo(reset_credentials=False).credentials}
    before = snapshot()
    reset = load_demo(reset_credentials=True)
    assert {c.username for c in reset.credentials} == set(old)
    assert all(c.password != old[c.username].password for c in reset.credentials)
    assert all(c.totp_secret != old[c.username].totp_secret for c in reset.credentials)
    after = snapshot()
    del before["audit"], after["audit"]
    assert after == before, "new secrets, but no new organisation, user, membership or device"
    sample = reset.credentials[0]
    user = User.objects.get(username=sample.username)
    assert user.check_password(sample.password)
    assert not user.check_password(old[sample.username].password)
    assert TOTPDevice.objects.get(user=user).bin_key == b32(sample.totp_secret)
    assert audit_verify().ok


def test_refuses_to_mix_with_a_real_installation(organisation):
    before = snapshot()
    with pytest.raises(Conflict):
        load_demo(reset_credentials=False)
    assert snapshot() == before


def test_passphrase_word_list():
    assert len(set(WORDS)) == 256
    assert all(w.isascii() and w.isalpha() and w.islower() for w in WORDS)
    assert len(new_passphrase().split("-")) == 7
