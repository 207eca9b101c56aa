"""The Security page: "end all my sessions" logs the user out everywhere at once."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from mosty.accounts.tests.factories import PASSWORD, current_totp_code, login_verified, make_member, totp_device
from mosty.core.models import AuditEvent

SECURITY = "/accounts/security/"
HOME = "/"


def _logged_in_user_id(session: Session) -> str | None:
    return session.get_decoded().get("_auth_user_id")


@pytest.mark.django_db
def test_end_all_sessions_logs_out_every_client(caseworker):
    laptop, phone = Client(), Client()
    login_verified(laptop, caseworker)
    login_verified(phone, caseworker)
    assert laptop.get(HOME).status_code == 200
    assert phone.get(HOME).status_code == 200
    salt = caseworker.session_salt

    page = laptop.get(SECURITY)
    assert b'value="end_all_sessions"' in page.content
    response = laptop.post(SECURITY, {"action": "end_all_sessions"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    for client in (laptop, phone):
        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    caseworker.refresh_from_db()
    assert caseworker.session_salt != salt
    assert not [s for s in Session.objects.all() if _logged_in_user_id(s) == str(caseworker.pk)]
    assert AuditEvent.objects.filter(action="user.sessions_ended", actor_id=caseworker.pk).exists()

    # The user can log in again with password and second factor.
    laptop.post("/accounts/login/", {"username": caseworker.username, "password": PASSWORD})
    laptop.post("/accounts/verify/", {"code": current_totp_code(totp_device(caseworker))})
    assert laptop.get(HOME).status_code == 200
    assert phone.get(HOME).status_code == 302


@pytest.mark.django_db
def test_end_all_sessions_leaves_other_users_logged_in(caseworker, organisation):
    colleague = make_member(organisation, "caseworker", username="colleague")
    mine, theirs = Client(), Client()
    login_verified(mine, caseworker)
    login_verified(theirs, colleague)
    mine.post(SECURITY, {"action": "end_all_sessions"})
    assert theirs.get(HOME).status_code == 200


@pytest.mark.django_db
def test_unknown_security_action_changes_nothing(verified_client, caseworker):
    salt = caseworker.session_salt
    response = verified_client.post(SECURITY, {"action": "delete_everything"})
    assert response.status_code == 400
    caseworker.refresh_from_db()
    assert caseworker.session_salt == salt
    assert verified_client.get(HOME).status_code == 200


@pytest.mark.django_db
def test_security_page_lists_second_factors(verified_client):
    page = verified_client.get(SECURITY)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Authenticator app" in content
    assert 'value="regenerate_recovery_codes"' in content
    assert page.context["recovery_remaining"] == 0
