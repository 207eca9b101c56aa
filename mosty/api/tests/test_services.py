import datetime as dt

import pytest
from django.utils import timezone

from mosty.accounts import services as accounts_services
from mosty.accounts.tests.factories import make_member, make_user
from mosty.api import services
from mosty.api.models import ApiToken, TokenStatus
from mosty.api.tests.factories import database_dump, make_token
from mosty.core.crypto.secrets import hash_secret
from mosty.core.exceptions import NotFound, ValidationFailed
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_create_returns_the_secret_once_and_stores_only_its_hash(caseworker, organisation):
    issued = make_token(caseworker, organisation, name="nightly export")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.plaintext.startswith("mosty_")
    assert len(issued.plaintext) >= 6 + 43  # 32 random bytes
    assert token.token_hash == hash_secret(issued.plaintext)
    assert token.prefix == issued.plaintext[:12]
    assert issued.plaintext not in database_dump()
    assert issued.plaintext[12:] not in database_dump()


def test_create_defaults_and_limits_the_lifetime(caseworker, organisation):
    before = timezone.now()
    token = make_token(caseworker, organisation, expires_in_days=365).token
    assert before + dt.timedelta(days=365) <= token.expires_at <= timezone.now() + dt.timedelta(days=365)
    for days in (0, -1, 366, 10_000):
        with pytest.raises(ValidationFailed) as excinfo:
            make_token(caseworker, organisation, expires_in_days=days)
        assert "expires_in_days" in excinfo.value.errors
    assert ApiToken.objects.count() == 1


def test_create_is_audited_without_the_name_or_secret(caseworker, organisation):
    issued = make_token(caseworker, organisation, name="canary-token-label")
    event = AuditEvent.objects.order_by("-seq")[0]
    assert event.action == "api_token.created"
    assert event.actor_id == caseworker.pk
    assert event.organisation_id == organisation.pk
    assert event.object_id == str(issued.token.pk)
    rows = " ".join(str(v) for v in AuditEvent.objects.values_list())
    assert "canary-token-label" not in rows
    assert issued.plaintext not in rows


@pytest.mark.parametrize(
    ("member_role", "allowed", "refused"),
    [
        ("caseworker", {"caseworker", "viewer"}, {"org_admin", "coordinator", "documenter", "programme_officer"}),
        ("org_admin", {"org_admin", "viewer"}, {"caseworker", "coordinator"}),
        ("viewer", {"viewer"}, {"caseworker", "org_admin"}),
    ],
)
def test_role_is_capped_by_the_membership(organisation, member_role, allowed, refused):
    user = make_member(organisation, member_role)
    for role in allowed:
        assert make_token(user, organisation, role=role).token.role == role
    for role in refused | {"superuser", ""}:
        with pytest.raises(ValidationFailed) as excinfo:
            make_token(user, organisation, role=role)
        assert "role" in excinfo.value.errors
    assert ApiToken.objects.filter(user=user).count() == len(allowed)


def test_create_needs_a_membership_in_an_active_organisation(caseworker, organisation, other_organisation):
    with pytest.raises(NotFound):
        make_token(caseworker, other_organisation, role="caseworker")
    outsider = make_user()
    with pytest.raises(NotFound):
        make_token(outsider, organisation, role="viewer")
    organisation.is_active = False
    organisation.save()
    with pytest.raises(NotFound):
        make_token(caseworker, organisation, role="caseworker")
    assert not ApiToken.objects.exists()


def test_create_refuses_an_empty_name(caseworker, organisation):
    with pytest.raises(ValidationFailed) as excinfo:
        make_token(caseworker, organisation, name="   ")
    assert "name" in excinfo.value.errors


def test_revoke_is_audited_once_and_safe_to_repeat(caseworker, organisation):
    token = make_token(caseworker, organisation).token
    services.api_token_revoke(token=token, actor=caseworker)
    revoked_at = token.revoked_at
    assert token.status() == TokenStatus.REVOKED
    services.api_token_revoke(token=token, actor=caseworker)
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).count() == 1


def test_mark_used_writes_at_most_once_a_day(caseworker, organisation, django_assert_num_queries):
    token = make_token(caseworker, organisation).token
    assert token.last_used_at is None
    with django_assert_num_queries(1):
        services.api_token_mark_used(token=token)
    with django_assert_num_queries(0):
        services.api_token_mark_used(token=token)
    token.refresh_from_db()
    assert token.last_used_at == timezone.localdate()


def test_status(caseworker, organisation):
    token = make_token(caseworker, organisation).token
    assert token.status() == TokenStatus.ACTIVE
    assert token.status(now=token.expires_at) == TokenStatus.EXPIRED


def test_removing_the_user_removes_their_tokens(caseworker, organisation):
    make_token(caseworker, organisation)
    accounts_services.membership_remove(membership=caseworker.memberships.get())
    assert ApiToken.objects.count() == 1  # kept (revocable, listed), but no longer usable: see test_api
    caseworker.delete()
    assert not ApiToken.objects.exists()
