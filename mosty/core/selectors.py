"""Reads of the audit trail, limited to what the acting user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from mosty.core.exceptions import NotFound
from mosty.core.models import AuditEvent

if TYPE_CHECKING:
    from mosty.accounts.models import Organisation, User

AUDIT_READER_ROLES = frozenset({"org_admin", "coordinator"})


def audit_events_for_organisation(user: User, organisation: Organisation | None) -> QuerySet[AuditEvent]:
    """The organisation's own audit events, newest first, for its administrators and coordinators only.
    Anyone else gets NotFound, as if the page did not exist."""
    from mosty.accounts.selectors import access_membership_by_organisation_id

    if organisation is None:
        raise NotFound
    membership = access_membership_by_organisation_id(user, organisation.pk)
    if membership.role not in AUDIT_READER_ROLES:
        raise NotFound
    return AuditEvent.objects.filter(organisation_id=organisation.pk).order_by("-seq")
