"""Test factories that go through the real services (so audit events and hashing are real)."""

from __future__ import annotations

import itertools

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts import services
from mosty.accounts.models import Membership, Organisation, User

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple 42"


def make_organisation(name: str | None = None, **kwargs: object) -> Organisation:
    n = next(_counter)
    return services.organisation_create(
        name=name or f"Organisation {n}",
        slug=str(kwargs.pop("slug", f"org-{n}")),
        **kwargs,  # type: ignore[arg-type]
    )


def make_user(
    username: str | None = None,
    *,
    organisation: Organisation | None = None,
    role: str = "caseworker",
    password: str = PASSWORD,
    totp: bool = True,
    platform_admin: bool = False,
) -> User:
    user = services.user_create(
        username=username or f"user{next(_counter)}",
        password=password,
        is_platform_admin=platform_admin,
        validate_password=False,
    )
    if organisation is not None:
        services.membership_set(user=user, organisation=organisation, role=role)
    if totp:
        services.totp_device_create_confirmed(user=user)
    return user


def make_member(organisation: Organisation, role: str = "caseworker", **kwargs: object) -> User:
    return make_user(organisation=organisation, role=role, **kwargs)  # type: ignore[arg-type]


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def current_totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now (or `offset_steps` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def login_password_only(client: Client, user: User) -> None:
    """A session that passed the password but not the second factor."""
    client.force_login(user, backend="mosty.accounts.backends.LockoutModelBackend")


def login_verified(client: Client, user: User) -> None:
    """A fully logged-in session: password and a verified TOTP device (as django_otp.login records it)."""
    client.force_login(user, backend="mosty.accounts.backends.LockoutModelBackend")
    device = totp_device(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def membership(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)
