"""Reads for organisations and members. Each takes the acting user and returns only what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def active_organisation_by_id(organisation_id: Any) -> Organisation:
    """Any active organisation, as a partner to name (for a link or a referral); reveals only that it exists
    and its name, which every member of the platform sees in the registry anyway."""
    try:
        return Organisation.objects.get(pk=organisation_id, is_active=True)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def organisation_members(user: User, organisation: Organisation) -> QuerySet[Membership]:
    """Members of `organisation`, visible only to its own members."""
    access_membership_by_organisation_id(user, organisation.pk)
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")


def user_has_confirmed_device(user: User) -> bool:
    """Whether the user has a second factor other than recovery codes (TOTP or a passkey)."""
    return any(device.__class__.__name__ != "RecoveryCodeDevice" for device in devices_for_user(user))


@dataclass(frozen=True)
class Viewer:
    """Who reads or writes: a user acting for one organisation with one role (a web session's active
    membership, or an API token's identity, whose role may be lower than the member's own)."""

    user: User
    organisation: Organisation
    role: str

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.pk)

    def has_role(self, roles: frozenset[str] | set[str]) -> bool:
        return self.role in roles


def viewer_for_membership(membership: Membership) -> Viewer:
    """The viewer of a verified membership (the middleware's `request.membership`)."""
    return Viewer(user=membership.user, organisation=membership.organisation, role=membership.role)
