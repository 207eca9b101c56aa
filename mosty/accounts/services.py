"""Writes for organisations, users, memberships and second factors. Each runs in one transaction and
writes its audit event there."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts.models import Membership, Organisation, RecoveryCode, RecoveryCodeDevice, Role, User
from mosty.core.audit import audit_record
from mosty.core.crypto.keyring import default_scope
from mosty.core.crypto.secrets import hash_secret, new_recovery_code
from mosty.core.exceptions import ValidationFailed

RECOVERY_CODE_COUNT = 10


def organisation_create(
    *, name: str, slug: str, kind: str = "other", country: str = "", actor: User | None = None
) -> Organisation:
    """Create a tenant. Slugs are unique; a clash raises ValidationFailed and creates nothing."""
    organisation = Organisation(name=name, slug=slug, kind=kind, country=country.upper())
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    with transaction.atomic():
        organisation.save()
        audit_record(
            action="organisation.created",
            actor=actor,
            organisation=organisation,
            object_type="organisation",
            object_id=organisation.pk,
        )
    return organisation


def user_create(
    *,
    username: str,
    password: str,
    display_name: str = "",
    is_platform_admin: bool = False,
    actor: User | None = None,
    validate_password: bool = True,
) -> User:
    """Create a user with an Argon2id password hash. The password is checked against the validators."""
    from django.contrib.auth.password_validation import validate_password as check

    user = User(username=username, display_name=display_name)
    user.is_staff = user.is_superuser = is_platform_admin
    try:
        user.full_clean(exclude=["password"])
        if validate_password:
            check(password, user)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    user.set_password(password)
    with transaction.atomic(), default_scope(None):
        user.save()
        audit_record(action="user.created", actor=actor, object_type="user", object_id=user.pk)
    return user


def membership_set(*, user: User, organisation: Organisation, role: str, actor: User | None = None) -> Membership:
    """Give `user` the `role` in `organisation`, creating or updating the membership. A changed role revokes the
    user's API tokens for that organisation that the new role no longer allows."""
    from mosty.api.services import api_tokens_revoke_for_membership_change

    if role not in Role.values:
        raise ValidationFailed(errors={"role": [f"Unknown role {role!r}."]})
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        if not created and membership.role == role:
            return membership
        if not created:
            membership.role = role
            membership.save(update_fields=["role"])
            api_tokens_revoke_for_membership_change(user=user, organisation=organisation, new_role=role, actor=actor)
        audit_record(
            action="membership.created" if created else "membership.role_changed",
            actor=actor,
            organisation=organisation,
            object_type="membership",
            object_id=membership.pk,
        )
    return membership


def membership_remove(*, membership: Membership, actor: User | None = None) -> None:
    """Remove a membership, and revoke every API token the user had for that organisation."""
    from mosty.api.services import api_tokens_revoke_for_membership_change

    with transaction.atomic():
        pk, organisation = membership.pk, membership.organisation
        api_tokens_revoke_for_membership_change(
            user=membership.user, organisation=organisation, new_role=None, actor=actor
        )
        membership.delete()
        audit_record(
            action="membership.removed", actor=actor, organisation=organisation, object_type="membership", object_id=pk
        )


def user_login_failed(*, user: User) -> None:
    """Count a failed login (password or second factor); lock the account at the threshold.

    Stores no IP address and no user agent: on Tor these say nothing and elsewhere they identify people.
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins", "locked_until"])
        if user.failed_logins >= settings.MOSTY_LOCKOUT_THRESHOLD:
            user.locked_until = timezone.now() + dt.timedelta(seconds=settings.MOSTY_LOCKOUT_SECONDS)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            audit_record(action="user.locked", object_type="user", object_id=user.pk)


def user_login_succeeded(*, user: User) -> None:
    """Reset the failure counter after a correct password."""
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def user_unlock(*, user: User, actor: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(action="user.unlocked", actor=actor, object_type="user", object_id=user.pk)


def user_end_all_sessions(*, user: User, actor: User | None = None) -> None:
    """End every session of `user`, everywhere, by changing the salt of the session auth hash.
    `actor` is who asked (the user themself unless a platform admin did)."""
    from mosty.accounts.models import _new_session_salt

    with transaction.atomic():
        user.session_salt = _new_session_salt()
        user.save(update_fields=["session_salt"])
        audit_record(action="user.sessions_ended", actor=actor or user, object_type="user", object_id=user.pk)


def totp_device_start(*, user: User) -> TOTPDevice:
    """Create an unconfirmed TOTP device for enrolment (replacing an earlier unconfirmed one)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a first code; the code is then spent (django-otp keeps `last_t`)."""
    with transaction.atomic():
        if device.confirmed or not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action="otp.totp_enrolled", actor=device.user, object_type="otp_device", object_id=device.pk)
    return True


def totp_device_create_confirmed(*, user: User, key_hex: str | None = None) -> TOTPDevice:
    """A confirmed TOTP device in one step, for `mosty init`, `mosty adduser` and the demo."""
    with transaction.atomic():
        kwargs = {"key": key_hex} if key_hex else {}
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True, **kwargs)
        audit_record(action="otp.totp_enrolled", object_type="otp_device", object_id=device.pk)
    return device


def totp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """The user's confirmed TOTP device that accepts `token` now, or None.

    The device rows are locked while the code is checked, so two concurrent requests cannot both spend the
    same code (a replay race); django-otp records the time step used and refuses it and every earlier one,
    and throttles a device after failures.
    """
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
            if device.verify_token(token):
                return device
    return None


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them (shown once, stored as hashes)."""
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device, _ = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Recovery codes", "confirmed": True}
        )
        device.codes.all().delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=hash_secret(c)) for c in codes)
        audit_record(action="otp.recovery_codes_issued", actor=user, object_type="otp_device", object_id=device.pk)
    return codes


def user_password_set(*, user: User, password: str, actor: User | None = None, validate_password: bool = True) -> None:
    """Give `user` a new password (Argon2id). Their sessions end, since the session hash covers the password."""
    from django.contrib.auth.password_validation import validate_password as check

    if validate_password:
        try:
            check(password, user)
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="user.password_set", actor=actor, object_type="user", object_id=user.pk)


def totp_device_replace(*, user: User, actor: User | None = None) -> TOTPDevice:
    """Remove every TOTP device of `user` and enrol a new confirmed one with a new secret (`mosty demo
    --reset-credentials`); the old secret stops working in the same transaction."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        if removed:
            audit_record(action="otp.totp_removed", actor=actor, object_type="user", object_id=user.pk)
        return totp_device_create_confirmed(user=user)
