"""Who sees what in the registry: members-only profile parts, initiatives, unshared activities, roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_organisation
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.registry import selectors, services
from mosty.registry.models import Initiative, LinkKind, OrganisationProfile
from mosty.registry.tests.factories import make_activity, make_initiative, viewer_of

pytestmark = pytest.mark.django_db

CANARY_CONTACT = "canary-contact-Жужелица-7431"
CANARY_NOTES = "canary-notes-Щегол-9902"
CANARY_DESCRIPTION = "canary-description-Ёжик-5521"


@pytest.fixture
def two_orgs():
    a, b = make_organisation(), make_organisation()
    return viewer_of(a), viewer_of(b)


def _raw_column(table: str, column: str, pk: Any) -> str:
    """The stored bytes of one column, as a thief reading the database file would see them."""
    import uuid

    if isinstance(pk, uuid.UUID):
        pk = pk.hex if connection.vendor == "sqlite" else str(pk)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test, fixed names)
        return str(cursor.fetchone()[0])


def test_profile_members_only_part_is_encrypted_and_readable_by_members_only(two_orgs) -> None:
    a, b = two_orgs
    with acting_as(a.organisation_id):
        profile = services.profile_update(
            viewer=a,
            data=services.ProfileInput(summary="Public summary", contact=CANARY_CONTACT, internal_notes=CANARY_NOTES),
        )
    assert CANARY_CONTACT not in _raw_column("registry_organisationprofile", "contact", profile.pk)
    view_a = selectors.access_profile_by_organisation_id(a, a.organisation_id)
    view_b = selectors.access_profile_by_organisation_id(b, a.organisation_id)
    assert view_a.members_only
    assert not view_b.members_only
    assert view_b.profile is not None
    assert view_b.profile.summary == "Public summary"
    with acting_as(a.organisation_id):
        fresh = OrganisationProfile.objects.get(pk=profile.pk)
        assert fresh.contact == CANARY_CONTACT
    # B's keys cannot open A's members-only part even if a bug handed B the row.
    with acting_as(b.organisation_id), pytest.raises(KeyNotAvailable):
        _ = OrganisationProfile.objects.get(pk=profile.pk).contact


def test_only_administrators_edit_the_profile(two_orgs) -> None:
    a, _b = two_orgs
    coordinator = viewer_of(a.organisation, Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.profile_update(viewer=coordinator, data=services.ProfileInput(summary="x"))
    assert not OrganisationProfile.objects.exists()


def test_initiative_is_invisible_until_linked_and_again_after_unlinking(two_orgs) -> None:
    a, b = two_orgs
    with acting_as(a.organisation_id):
        initiative = make_initiative(a, codename="Bereza", description=CANARY_DESCRIPTION)
        activity = make_activity(a, initiative=initiative)
    assert CANARY_DESCRIPTION not in _raw_column("registry_initiative", "description", initiative.pk)
    assert list(selectors.initiatives(b)) == []
    with pytest.raises(NotFound):
        selectors.access_initiative_by_id(b, initiative.pk)
    with pytest.raises(NotFound):
        selectors.access_activity_by_id(b, activity.pk)

    with acting_as(a.organisation_id):
        link = services.initiative_link_add(
            viewer=a, initiative=initiative, organisation=b.organisation, kind=LinkKind.PARTNER
        )
    with acting_as(b.organisation_id):
        seen = selectors.access_initiative_by_id(b, initiative.pk)
        assert seen.description == CANARY_DESCRIPTION
    assert selectors.access_activity_by_id(b, activity.pk) == activity
    # The linked organisation may not change the record or pass it on.
    with pytest.raises(NotFound):
        selectors.access_own_initiative_by_id(b, initiative.pk)

    with acting_as(a.organisation_id):
        services.initiative_link_remove(viewer=a, link=link)
    with pytest.raises(NotFound):
        selectors.access_initiative_by_id(b, initiative.pk)
    with acting_as(b.organisation_id), pytest.raises(KeyNotAvailable):
        _ = Initiative.objects.get(pk=initiative.pk).description


def test_unshared_activity_is_seen_by_its_organisation_only(two_orgs) -> None:
    a, b = two_orgs
    shared = make_activity(a, shared=True)
    private = make_activity(a, shared=False)
    assert set(selectors.activities(a)) == {shared, private}
    assert set(selectors.activities(b)) == {shared}
    with pytest.raises(NotFound):
        selectors.access_activity_by_id(b, private.pk)
    with pytest.raises(NotFound):
        selectors.access_own_activity_by_id(b, shared.pk)


def test_initiative_activities_are_never_shared_with_everyone(two_orgs) -> None:
    a, _b = two_orgs
    initiative = make_initiative(a)
    activity = make_activity(a, initiative=initiative, shared=True)
    assert activity.shared is False


def test_an_activity_cannot_name_an_initiative_the_organisation_does_not_know(two_orgs) -> None:
    a, b = two_orgs
    foreign = make_initiative(b)
    with pytest.raises(ValidationFailed) as exc:
        make_activity(a, initiative=foreign)
    assert "initiative" in exc.value.errors


@pytest.mark.parametrize(
    ("role", "may_edit", "may_record_needs"),
    [
        (Role.ORG_ADMIN, True, True),
        (Role.COORDINATOR, True, True),
        (Role.CASEWORKER, False, True),
        (Role.PROGRAMME_OFFICER, False, True),
        (Role.DOCUMENTER, False, True),
        (Role.VIEWER, False, False),
    ],
)
def test_roles(role: str, may_edit: bool, may_record_needs: bool) -> None:
    import datetime as dt

    from mosty.registry.tests.factories import region, sector

    viewer = viewer_of(make_organisation(), role)
    if may_edit:
        make_activity(viewer)
    else:
        with pytest.raises(PermissionDenied):
            make_activity(viewer)

    def record() -> None:
        services.need_create(
            viewer=viewer,
            region=region("RU-TA"),
            sector=sector(),
            support_type=None,
            requests=3,
            month=dt.date(2026, 1, 1),
        )

    if may_record_needs:
        record()
    else:
        with pytest.raises(PermissionDenied):
            record()


def test_invalid_activity_changes_nothing(two_orgs) -> None:
    import datetime as dt

    a, _b = two_orgs
    with pytest.raises(ValidationFailed) as exc:
        make_activity(a, regions=[], start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1))
    assert {"regions", "end_date"} <= set(exc.value.errors)
    assert not selectors.activities(a).exists()
