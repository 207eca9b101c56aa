"""The Django admin (/platform-admin/) opens only for a platform administrator who passed the second factor.

Enforced by the deny-by-default middleware (the admin is on no allow-list), so a phished administrator
password gets no further than the verify page, and by the admin's own staff check for everyone else.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts import services
from mosty.accounts.tests.factories import PASSWORD, login_password_only, login_verified, make_member, make_user

ADMIN = "/platform-admin/"


@pytest.fixture
def platform_admin(db):
    return make_user("root-admin", platform_admin=True)


@pytest.mark.django_db
def test_anonymous_is_sent_to_our_login(client):
    for url in (ADMIN, ADMIN + "login/", ADMIN + "accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_platform_admin_with_password_only_is_sent_to_verify(client, platform_admin):
    login_password_only(client, platform_admin)
    for url in (ADMIN, ADMIN + "login/", ADMIN + "accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/verify/"


@pytest.mark.django_db
def test_verified_platform_admin_reaches_the_admin(client, platform_admin):
    login_verified(client, platform_admin)
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert response.context["user"] == platform_admin
    assert client.get(ADMIN + "accounts/user/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["org_admin", "caseworker"])
def test_verified_non_admin_never_sees_the_index(client, organisation, role):
    user = make_member(organisation, role)
    login_verified(client, user)
    response = client.get(ADMIN)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(ADMIN + "login/")
    response = client.get(ADMIN + "accounts/user/")
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_admin_login_form_with_a_phished_admin_password_is_not_enough(client, organisation, platform_admin):
    """A verified non-admin who knows an administrator's password logs in through the admin's own login form:
    that session has the password only, so it is sent to the second factor."""
    login_verified(client, make_member(organisation, "caseworker"))
    client.post(ADMIN + "login/", {"username": "root-admin", "password": PASSWORD, "next": ADMIN})
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/"


@pytest.mark.django_db
def test_admin_link_in_navigation_only_for_platform_admins(organisation, platform_admin):
    services.membership_set(user=platform_admin, organisation=organisation, role="org_admin")
    admin_client, member_client = Client(), Client()
    login_verified(admin_client, platform_admin)
    login_verified(member_client, make_member(organisation, "org_admin"))
    assert b'href="/platform-admin/"' in admin_client.get("/").content
    assert b'href="/platform-admin/"' not in member_client.get("/").content


@pytest.mark.django_db
def test_admin_never_shows_a_second_factor_secret(client, organisation, platform_admin):
    member = make_member(organisation, "caseworker")
    device = TOTPDevice.objects.get(user=member)
    login_verified(client, platform_admin)
    for view in ("config", "qrcode"):
        assert client.get(f"{ADMIN}otp_totp/totpdevice/{device.pk}/{view}/").status_code == 403
        # A missing device answers the same, never a server error.
        assert client.get(f"{ADMIN}otp_totp/totpdevice/999999/{view}/").status_code == 403
    change = client.get(f"{ADMIN}otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200
    assert device.key.encode() not in change.content
    assert base64.b32encode(device.bin_key).rstrip(b"=") not in change.content


@pytest.mark.django_db
def test_admin_edits_an_encrypted_display_name_as_plaintext(client, platform_admin):
    """The change form shows the decrypted name (never the ciphertext), and saving it unchanged keeps it."""
    from mosty.accounts.models import User
    from mosty.core.crypto.keyring import acting_as

    person = services.user_create(
        username="olena", password=PASSWORD, display_name="Олена Коваленко", validate_password=False
    )
    stored_before = User.objects.values_list("display_name", flat=True).get(pk=person.pk)
    login_verified(client, platform_admin)
    url = f"{ADMIN}accounts/user/{person.pk}/change/"
    page = client.get(url).content.decode()
    assert "Олена Коваленко" in page
    assert stored_before not in page
    response = client.post(
        url, {"username": "olena", "display_name": "Олена Коваленко", "is_active": "on", "_save": "Save"}
    )
    assert response.status_code == 302
    with acting_as(None):
        assert User.objects.get(pk=person.pk).display_name == "Олена Коваленко"
    response = client.post(
        url, {"username": "olena", "display_name": "Олена Ковальчук", "is_active": "on", "_save": "Save"}
    )
    assert response.status_code == 302
    with acting_as(None):
        assert User.objects.get(pk=person.pk).display_name == "Олена Ковальчук"
    assert "Олена" not in (User.objects.values_list("display_name", flat=True).get(pk=person.pk) or "")
