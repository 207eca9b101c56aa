"""Passkey completion does our login bookkeeping: lockout respected, other users' credentials refused,
session key renewed, failures reset, login audited.

The WebAuthn ceremony itself (signatures) is django-otp-webauthn's and tested there; these tests call the two
hooks our subclass overrides, on a real request with a real session and database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn import exceptions
from django_otp_webauthn.models import WebAuthnCredential

from mosty.accounts.models import User
from mosty.accounts.tests.factories import make_member
from mosty.accounts.webauthn import CompletePasskeyVerificationView
from mosty.core.models import AuditEvent


def _credential(user: User, n: int = 1) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user,
        name="Security key",
        credential_id=bytes([n]) * 32,
        public_key=b"\x02" * 64,
        aaguid="00000000-0000-0000-0000-000000000000",
        confirmed=True,
    )


def _view_for(user: User) -> CompletePasskeyVerificationView:
    request = RequestFactory().post("/webauthn/authentication/complete/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.session.save()
    request.user = user
    view = CompletePasskeyVerificationView()
    view.setup(request)
    return view


@pytest.mark.django_db
def test_completion_verifies_renews_the_session_and_audits(organisation):
    user = make_member(organisation, totp=False)
    User.objects.filter(pk=user.pk).update(failed_logins=3)
    user.refresh_from_db()
    credential = _credential(user)
    view = _view_for(user)
    old_key = view.request.session.session_key
    view.check_device_usable(credential)
    view.complete_auth(credential)
    assert view.request.session[DEVICE_ID_SESSION_KEY] == credential.persistent_id
    assert view.request.session.session_key != old_key
    user.refresh_from_db()
    assert user.failed_logins == 0
    assert AuditEvent.objects.filter(action="user.logged_in", actor_id=user.pk).exists()


@pytest.mark.django_db
def test_a_locked_account_cannot_complete_with_a_passkey(organisation):
    user = make_member(organisation, totp=False)
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    user.refresh_from_db()
    with pytest.raises(exceptions.UserDisabled):
        _view_for(user).check_device_usable(_credential(user))


@pytest.mark.django_db
def test_another_users_passkey_is_refused(organisation):
    alice = make_member(organisation, totp=False)
    mallory = make_member(organisation, totp=False)
    with pytest.raises(exceptions.UserDisabled):
        _view_for(mallory).check_device_usable(_credential(alice))
