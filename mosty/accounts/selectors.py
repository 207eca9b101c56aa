"""Reads for organisations and members. Each takes the acting user and returns only what they may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp import devices_for_user

from mosty.accounts.models import Membership, Organisation, User
from mosty.core.exceptions import NotFound


def memberships_for_user(user: User) -> QuerySet[Membership]:
    """The user's memberships in active organisations, with the organisation loaded."""
    return (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def access_membership_by_organisation_id(user: User, organisation_id: int) -> Membership:
    """The user's own membership in that organisation; NotFound if it does not exist or is not theirs."""
    try:
        return memberships_for_user(user).get(organisation_id=organisation_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def access_organisation_by_id(user: User, organisation_id: int) -> Organisation:
    """An organisation the user is a member of; NotFound otherwise (platform admins included: they
    manage tenants in the admin, they do not read their records)."""
    return access_membership_by_organisation_id(user, organisation_id).organisation


def organisation_members(user: User, organisation: Organisation) -> QuerySet[Membership]:
    """Members of `organisation`, visible only to its own members."""
    access_membership_by_organisation_id(user, organisation.pk)
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")


def user_has_confirmed_device(user: User) -> bool:
    """Whether the user has a second factor other than recovery codes (TOTP or a passkey)."""
    return any(device.__class__.__name__ != "RecoveryCodeDevice" for device in devices_for_user(user))
