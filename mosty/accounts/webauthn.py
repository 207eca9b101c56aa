"""Passkeys as a second factor, with the same bookkeeping as a TOTP code.

django-otp-webauthn's completion view marks the session verified; this subclass adds what our own verify
view does: it refuses a locked account or a credential of another user (passwordless login is off, so a
passkey only ever completes a password step), gives the session a new key, resets the failure counter and
writes the `user.logged_in` audit event.
"""

from __future__ import annotations

from typing import Any

from django_otp_webauthn import exceptions
from django_otp_webauthn.views import CompleteCredentialAuthenticationView

from mosty.accounts import services
from mosty.accounts.models import User
from mosty.core.audit import audit_record


class CompletePasskeyVerificationView(CompleteCredentialAuthenticationView):
    def check_device_usable(self, device: Any) -> None:
        super().check_device_usable(device)
        user = self.request.user
        if not isinstance(user, User) or device.user_id != user.pk or user.is_locked():
            raise exceptions.UserDisabled()

    def complete_auth(self, device: Any) -> None:
        super().complete_auth(device)
        user = self.request.user
        assert isinstance(user, User)  # noqa: S101 (check_device_usable guarantees it)
        self.request.session.cycle_key()
        services.user_login_succeeded(user=user)
        audit_record(action="user.logged_in", actor=user, object_type="user", object_id=user.pk)
