"""Bulk export of an organisation's cases, only with a second person's approval.

Threat: one compromised or infiltrated account (or a coerced caseworker) taking away every person the
organisation helps in one file. So a bulk export is never immediate:

- a member who works on cases asks for it, with a reason and filters (`export_request_create`);
- a *different* member, an organisation administrator or coordinator, approves or rejects it
  (`export_decide`): the requester can never approve their own;
- only the requester downloads it, once, within 24 hours of the approval (`export_download`); the file is
  built at that moment from the filters, from the organisation's own cases only (never cases referred to it);
- every step is in the audit trail (ids only), the download too.

The filters are stored in clear, as codes (scope, support type, state, risk, deadline): never a name or a birth
date. Storing a searched name in the request would put a person's name in clear text into the database (the
stolen-database promise forbids it) and show the approver whom the requester is looking for; a blind index
would let anyone with the table link requests to persons. And looking up one named person is not a bulk
export: the case page serves it, with its own access check.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mosty.accounts.models import Membership, Role
from mosty.accounts.selectors import Viewer
from mosty.cases.models import Case, ExportRequest, ExportStatus
from mosty.cases.selectors import CASE_READ_ROLES, CASE_WRITE_ROLES, CaseFilters, case_list
from mosty.cases.workflows import WORKFLOWS
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from mosty.registry.models import SupportType

# Who may ask for an export: the members who work on cases (not programme officers, documenters or viewers).
EXPORT_REQUEST_ROLES = CASE_WRITE_ROLES
# Who may approve someone else's: the organisation's administrators and coordinators.
EXPORT_APPROVER_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR})
DOWNLOAD_WINDOW = dt.timedelta(hours=24)
# One file is built within one web request (measured on the benchmark's data: about 2 s of CPU for 20,000 cases,
# 13 s for 100,000): larger exports would risk gunicorn's 30 s worker timeout on a busy server. The cap also bounds
# what one approval can take away.
MAX_EXPORT_ROWS = 20_000
EXPORT_SCOPES = ("all", "queue", "mine", "closed")  # never "referred": only the organisation's own cases
MAX_REASON = 300
OBJECT_TYPE = "export_request"


class ExportSelfApproval(PermissionDenied):
    code = "export_self_approval"
    message = gettext_lazy("You cannot decide on your own export request: another member must.")


class ExportNotApproved(Conflict):
    code = "export_not_approved"
    message = gettext_lazy("This export has not been approved.")


class ExportAlreadyDecided(Conflict):
    code = "export_already_decided"
    message = gettext_lazy("This export request was already decided.")


class ExportAlreadyDownloaded(Conflict):
    code = "export_already_downloaded"
    status = 410
    message = gettext_lazy("This export was already downloaded. Ask for a new one if you need it again.")


class ExportTooLarge(Conflict):
    code = "export_too_large"
    status = 413
    message = gettext_lazy("This export would hold too many cases. Ask for smaller ones (by support type or scope).")


class ExportExpired(Conflict):
    code = "export_expired"
    status = 410
    message = gettext_lazy("This export expired: it can be downloaded only within 24 hours of its approval.")


def _too_large_message() -> str:
    return _(
        "This export would hold more than %(max)s cases. Ask for smaller ones (by support type, state or scope)."
    ) % {"max": f"{MAX_EXPORT_ROWS:,}"}


def _audit(viewer: Viewer, action: str, export_id: Any) -> None:
    audit_record(
        action=action, actor=viewer.user, organisation=viewer.organisation, object_type=OBJECT_TYPE, object_id=export_id
    )


# --- filters ---------------------------------------------------------------------------------------------------


def _state_codes() -> frozenset[str]:
    return frozenset(s.code for w in WORKFLOWS.values() for s in w.states)


def filters_to_codes(filters: CaseFilters) -> dict[str, Any]:
    """The filters as stored: codes only. Refuses name and birth-date search (see the module docstring) and the
    "referred" scope (an export holds the organisation's own cases only)."""
    errors: dict[str, list[str]] = {}
    if filters.family_name.strip() or filters.given_name.strip() or filters.birth_date is not None:
        errors["__all__"] = [
            _(
                "An export cannot search by name or birth date: the request is kept in clear and shown to the "
                "approver. Open the person's case instead."
            )
        ]
    if filters.scope not in EXPORT_SCOPES:
        errors["scope"] = [_("Choose all, open, mine or closed cases (referred cases are not exported).")]
    if filters.state and filters.state not in _state_codes():
        errors["state"] = [_("Unknown state.")]
    if filters.risk is not None and not 1 <= filters.risk <= 4:
        errors["risk"] = [_("Choose a level from 1 (low) to 4 (critical).")]
    if filters.deadline_within_days is not None and not 0 <= filters.deadline_within_days <= 366:
        errors["deadline_within_days"] = [_("Choose a number of days between 0 and 366.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "scope": filters.scope,
        "support_type": filters.support_type.slug if filters.support_type is not None else "",
        "state": filters.state,
        "risk": filters.risk,
        "deadline_within_days": filters.deadline_within_days,
    }


def filters_from_codes(codes: dict[str, Any]) -> CaseFilters:
    """The stored codes back as `CaseFilters` (never with a name: there is none to restore)."""
    slug = str(codes.get("support_type") or "")
    support_type = SupportType.objects.filter(slug=slug).first() if slug else None
    if slug and support_type is None:
        support_type = SupportType(slug=slug)  # a type removed since: matches nothing rather than everything
    risk, days = codes.get("risk"), codes.get("deadline_within_days")
    return CaseFilters(
        scope=str(codes.get("scope") or "all"),
        support_type=support_type,
        state=str(codes.get("state") or ""),
        risk=int(risk) if risk is not None else None,
        deadline_within_days=int(days) if days is not None else None,
    )


def export_cases(viewer: Viewer, filters: CaseFilters) -> QuerySet[Case]:
    """The viewer's organisation's own cases matching the filters (never referred ones), as the case list would
    find them, with the person, support type and region loaded."""
    if filters.support_type is not None and filters.support_type.pk is None:
        return Case.objects.none()
    if filters.scope == "all":
        queryset = case_list(viewer, _with_scope(filters, "queue")) | case_list(viewer, _with_scope(filters, "closed"))
    else:
        queryset = case_list(viewer, filters)
    return (
        queryset.filter(organisation_id=viewer.organisation_id)
        .select_related(None)
        .select_related("person", "support_type", "region")
        .order_by("created_at", "pk")
    )


def _with_scope(filters: CaseFilters, scope: str) -> CaseFilters:
    return dataclasses.replace(filters, scope=scope)


# --- reads -------------------------------------------------------------------------------------------------------


def access_export_by_id(viewer: Viewer, export_id: Any) -> ExportRequest:
    """An export request of the viewer's organisation, for a member who works on cases; NotFound otherwise (one
    answer for "does not exist" and "not yours")."""
    if not viewer.has_role(CASE_READ_ROLES):
        raise NotFound
    try:
        return ExportRequest.objects.select_related("requested_by", "decided_by").get(
            pk=export_id, organisation_id=viewer.organisation_id
        )
    except (ExportRequest.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


def export_requests_to_decide(viewer: Viewer) -> QuerySet[ExportRequest]:
    """Requests other members of the viewer's organisation made and nobody decided yet, oldest first; empty
    unless the viewer may approve."""
    if not viewer.has_role(EXPORT_APPROVER_ROLES):
        return ExportRequest.objects.none()
    return (
        ExportRequest.objects.filter(organisation_id=viewer.organisation_id, status=ExportStatus.REQUESTED)
        .exclude(requested_by_id=viewer.user.pk)
        .exclude(requested_by__isnull=True)
        .select_related("requested_by")
        .order_by("requested_at", "pk")
    )


def export_requests_mine(viewer: Viewer) -> QuerySet[ExportRequest]:
    """The viewer's own requests in this organisation, newest first."""
    if not viewer.has_role(CASE_READ_ROLES):
        return ExportRequest.objects.none()
    return (
        ExportRequest.objects.filter(organisation_id=viewer.organisation_id, requested_by_id=viewer.user.pk)
        .select_related("decided_by")
        .order_by("-requested_at", "-pk")
    )


def expires_at(export: ExportRequest) -> dt.datetime | None:
    """When an approved export stops being downloadable."""
    if export.decided_at is None or export.status not in {ExportStatus.APPROVED, ExportStatus.EXPIRED}:
        return None
    return export.decided_at + DOWNLOAD_WINDOW


def is_downloadable(export: ExportRequest, *, now: dt.datetime | None = None) -> bool:
    end = expires_at(export)
    return (
        export.status == ExportStatus.APPROVED
        and export.downloaded_at is None
        and end is not None
        and (now or timezone.now()) < end
    )


def shown_status(export: ExportRequest, *, now: dt.datetime | None = None) -> str:
    """The status as a page shows it: an approved export past its window is expired even before anyone tried."""
    if export.status == ExportStatus.APPROVED and not is_downloadable(export, now=now):
        return str(ExportStatus.EXPIRED)
    return str(export.status)


def _requester_viewer(export: ExportRequest) -> Viewer | None:
    """The requester as they act now in the export's organisation (None if they left it)."""
    if export.requested_by is None:
        return None
    membership = (
        Membership.objects.filter(user=export.requested_by, organisation_id=export.organisation_id)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        return None
    return Viewer(user=export.requested_by, organisation=membership.organisation, role=membership.role)


def export_preview_count(export: ExportRequest) -> int | None:
    """How many cases the export would hold now (for the approver); None if the requester may no longer export."""
    requester = _requester_viewer(export)
    if requester is None or not requester.has_role(EXPORT_REQUEST_ROLES):
        return None
    return export_cases(requester, filters_from_codes(export.filters)).count()


# --- writes ------------------------------------------------------------------------------------------------------


def export_request_create(*, viewer: Viewer, reason: str, filters: CaseFilters) -> ExportRequest:
    """Ask for a bulk export of the organisation's own cases. The filters are stored as codes (never names);
    the request waits for another member's approval."""
    if not viewer.has_role(EXPORT_REQUEST_ROLES):
        raise PermissionDenied
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed(errors={"reason": [_("Say why the export is needed.")]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(errors={"reason": [_("At most %(n)s characters.") % {"n": MAX_REASON}]})
    codes = filters_to_codes(filters)
    if export_cases(viewer, filters).count() > MAX_EXPORT_ROWS:
        raise ValidationFailed(errors={"__all__": [_too_large_message()]})
    with transaction.atomic():
        export = ExportRequest.objects.create(
            organisation=viewer.organisation, requested_by=viewer.user, reason=reason, filters=codes
        )
        _audit(viewer, "cases.export.requested", export.pk)
    return export


def export_decide(*, viewer: Viewer, export: ExportRequest, approve: bool) -> ExportRequest:
    """Approve or reject another member's pending request (administrators and coordinators only). The requester
    can never decide on their own; a request is decided once (two approvers at the same moment: one wins)."""
    if export.organisation_id != viewer.organisation_id:
        raise NotFound
    if not viewer.has_role(EXPORT_APPROVER_ROLES):
        raise PermissionDenied
    if export.requested_by_id is None or export.requested_by_id == viewer.user.pk:
        raise ExportSelfApproval
    status = ExportStatus.APPROVED if approve else ExportStatus.REJECTED
    now = timezone.now()
    with transaction.atomic():
        # One conditional update instead of check-then-act: of two concurrent decisions only one matches.
        decided = (
            ExportRequest.objects.filter(pk=export.pk, status=ExportStatus.REQUESTED)
            .exclude(requested_by_id=viewer.user.pk)
            .update(status=status, decided_by=viewer.user, decided_at=now)
        )
        if not decided:
            raise ExportAlreadyDecided
        _audit(viewer, "cases.export.approved" if approve else "cases.export.rejected", export.pk)
    export.refresh_from_db()
    return export


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


def export_download(*, viewer: Viewer, export: ExportRequest) -> ExportFile:
    """The export as CSV, for its requester only, once, within 24 hours of its approval. Marking it downloaded,
    building the file and the audit event are one transaction: if building fails, it can be downloaded again.

    NotFound for anyone but the requester (as for an export that does not exist); ExportNotApproved,
    ExportAlreadyDownloaded, ExportExpired, ExportTooLarge (more than MAX_EXPORT_ROWS cases match now; nothing
    is used up) otherwise. An expired export is marked so (and audited)."""
    if export.organisation_id != viewer.organisation_id or export.requested_by_id != viewer.user.pk:
        raise NotFound
    if not viewer.has_role(EXPORT_REQUEST_ROLES):
        raise PermissionDenied
    now = timezone.now()
    if _expire_if_due(viewer, export, now):
        raise ExportExpired
    filters = filters_from_codes(export.filters)
    if export_cases(viewer, filters).count() > MAX_EXPORT_ROWS:
        raise ExportTooLarge(_too_large_message())
    with transaction.atomic():
        claimed = ExportRequest.objects.filter(
            pk=export.pk,
            requested_by_id=viewer.user.pk,
            status=ExportStatus.APPROVED,
            downloaded_at__isnull=True,
            decided_at__gt=now - DOWNLOAD_WINDOW,
        ).update(status=ExportStatus.DOWNLOADED, downloaded_at=now)
        if not claimed:
            export.refresh_from_db()
            if export.status == ExportStatus.DOWNLOADED:
                raise ExportAlreadyDownloaded
            if export.status == ExportStatus.EXPIRED:
                raise ExportExpired
            raise ExportNotApproved
        content, rows = export_csv(viewer, filters)
        _audit(viewer, "cases.export.downloaded", export.pk)
    export.refresh_from_db()
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M")
    return ExportFile(filename=f"cases-{stamp}-{str(export.pk)[:8]}.csv", content=content, rows=rows)


def _expire_if_due(viewer: Viewer, export: ExportRequest, now: dt.datetime) -> bool:
    """Mark an approved, undownloaded export past its window as expired (audited); True if it is expired."""
    with transaction.atomic():
        expired = ExportRequest.objects.filter(
            pk=export.pk,
            status=ExportStatus.APPROVED,
            downloaded_at__isnull=True,
            decided_at__lte=now - DOWNLOAD_WINDOW,
        ).update(status=ExportStatus.EXPIRED)
        if expired:
            _audit(viewer, "cases.export.expired", export.pk)
    return bool(expired) or export.status == ExportStatus.EXPIRED


# --- the file ----------------------------------------------------------------------------------------------------

# Fixed English headers, like the registry's exports: files made by members in different languages combine.
COLUMNS = (
    "reference",
    "support_type",
    "state",
    "risk",
    "urgency",
    "triage_score",
    "opened",
    "closed",
    "region",
    "person_label",
    "family_name",
    "given_name",
    "patronymic",
    "birth_date",
    "contact",
    "summary",
)
# A spreadsheet treats a cell starting with one of these as a formula (full-width forms included: some programs
# normalise them). Such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_CHUNK = 500


def csv_cell(value: object) -> str:
    """One cell, neutralised against formula injection (also after leading spaces, which programs may trim)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def _rows(cases: Iterable[Case]) -> Iterator[list[str]]:
    for case in cases:
        person = case.person
        yield [
            csv_cell(v)
            for v in (
                case.reference,
                case.support_type.slug,
                case.state,
                case.risk,
                case.urgency,
                case.triage_score,
                timezone.localtime(case.created_at).date(),
                timezone.localtime(case.closed_at).date() if case.closed_at else None,
                case.region.code if case.region else None,
                person.label,
                person.family_name,
                person.given_name,
                person.patronymic,
                person.birth_date,
                person.contact,
                case.summary,
            )
        ]


def _chunks(queryset: QuerySet[Case]) -> Iterator[list[Case]]:
    """The cases in chunks, each with its data keys (the case's and the person's) unwrapped in one query."""
    chunk: list[Case] = []
    for case in queryset.iterator(chunk_size=_CHUNK):
        chunk.append(case)
        if len(chunk) == _CHUNK:
            yield _with_keys(chunk)
            chunk = []
    if chunk:
        yield _with_keys(chunk)


def _with_keys(cases: list[Case]) -> list[Case]:
    keyring.prefetch_data_keys([c.data_key_id for c in cases] + [c.person.data_key_id for c in cases])
    return cases


def export_csv(viewer: Viewer, filters: CaseFilters) -> tuple[bytes, int]:
    """The CSV (UTF-8 with a byte-order mark, so spreadsheets read the Cyrillic right) of the matching own cases
    with their decrypted fields, and its number of rows. A value that does not decrypt fails the whole file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    with keyring.default_scope(viewer.organisation_id):
        for chunk in _chunks(export_cases(viewer, filters)):
            for row in _rows(chunk):
                writer.writerow(row)
                rows += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), rows
