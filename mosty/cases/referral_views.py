"""Pages for referrals, consent and vouching: the referral inbox (received and sent), one referral with its
answer buttons, referring a case, a case's consents, and vouching with the trust explanation.

Thin: selectors read (every referral through `access_referral_by_id`, every case through `access_case_by_id`),
services write, forms parse. Everything the viewer may not see answers 404, as for what does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.decorators import member_view
from mosty.accounts.models import Role
from mosty.accounts.selectors import Viewer
from mosty.cases import referral_forms as forms
from mosty.cases import referrals, trust, vouching
from mosty.cases.models import ReferralPart, ReferralStatus
from mosty.cases.selectors import CASE_READ_ROLES, CASE_WRITE_ROLES, CaseAccess, access_case_by_id
from mosty.core.exceptions import Conflict, ConsentMissing, NotFound, PermissionDenied, ValidationFailed
from mosty.core.form_errors import apply_validation_errors

PAGE_SIZE = 25
ALL_ROLES = frozenset(Role.values)
ViewFunc = Callable[..., HttpResponse]


case_roles = member_view(CASE_READ_ROLES)
member = member_view(ALL_ROLES)


def _own_case(viewer: Viewer, case_id: str) -> CaseAccess:
    """A case of the viewer's own organisation (a recipient of a referral does not manage its consent)."""
    access = access_case_by_id(viewer, case_id)
    if not access.own:
        raise NotFound
    return access


def _part_labels(parts: list[str]) -> list[str]:
    return [str(ReferralPart(p).label) for p in parts if p in ReferralPart.values]


# --- referrals ---------------------------------------------------------------------------------------------------


@require_GET
@case_roles
def inbox(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    received = Paginator(referrals.referrals_received(viewer), PAGE_SIZE).get_page(request.GET.get("received"))
    sent = Paginator(referrals.referrals_sent(viewer), PAGE_SIZE).get_page(request.GET.get("sent"))
    return render(
        request,
        "cases/referrals/inbox.html",
        {"received": received, "sent": sent, "viewer": viewer},
    )


@require_GET
@case_roles
def detail(request: HttpRequest, viewer: Viewer, referral_id: str) -> HttpResponse:
    referral = referrals.access_referral_by_id(viewer, referral_id)
    sender = referral.from_organisation_id == viewer.organisation_id
    writer = viewer.has_role(CASE_WRITE_ROLES)
    history = []
    if sender:
        history = [e for e in referral.consent.history.select_related("actor") if _concerns(e.data, referral.pk)]
    return render(
        request,
        "cases/referrals/detail.html",
        {
            "referral": referral,
            "sender": sender,
            "parts": _part_labels(referral.parts),
            # A recipient reads the consent's terms only while the referral is open.
            "show_terms": sender or referral.is_open,
            "can_answer": not sender and writer and referral.status == ReferralStatus.PENDING,
            "can_revoke": sender and writer and referral.is_open,
            "can_open_case": sender or referral.is_open,
            "history": history,
        },
    )


def _concerns(data: Any, referral_id: Any) -> bool:
    return isinstance(data, dict) and data.get("referral") in (None, str(referral_id))


def _answer(
    request: HttpRequest, viewer: Viewer, referral_id: str, action: Callable[..., Any], done: str
) -> HttpResponse:
    referral = referrals.access_referral_by_id(viewer, referral_id)
    try:
        action(viewer=viewer, referral=referral)
    except (Conflict, ConsentMissing) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("referrals:detail", referral_id=referral.pk)


@require_POST
@case_roles
def accept(request: HttpRequest, viewer: Viewer, referral_id: str) -> HttpResponse:
    return _answer(request, viewer, referral_id, referrals.referral_accept, _("You accepted the referral."))


@require_POST
@case_roles
def decline(request: HttpRequest, viewer: Viewer, referral_id: str) -> HttpResponse:
    return _answer(
        request,
        viewer,
        referral_id,
        referrals.referral_decline,
        _("You declined the referral. Your organisation can no longer read the case."),
    )


@require_POST
@case_roles
def revoke(request: HttpRequest, viewer: Viewer, referral_id: str) -> HttpResponse:
    return _answer(
        request,
        viewer,
        referral_id,
        referrals.referral_revoke,
        _("The referral was revoked. The other organisation can no longer read the case."),
    )


def _coverage_message(coverage: referrals.Coverage, organisation: Any) -> str:
    name = organisation.name
    if coverage.reason == "none":
        return _("No consent to share this case with %(org)s was recorded.") % {"org": name}
    if coverage.reason == "revoked":
        return _("The person revoked their consent to share this case with %(org)s.") % {"org": name}
    if coverage.reason == "expired":
        return _("The consent to share this case with %(org)s has expired.") % {"org": name}
    return _("The consent for %(org)s does not cover: %(parts)s.") % {
        "org": name,
        "parts": ", ".join(_part_labels(list(coverage.missing))),
    }


@require_http_methods(["GET", "POST"])
@case_roles
def create(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    access = _own_case(viewer, case_id)
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied
    consents = referrals.valid_consents(access)
    form = forms.ReferralForm(
        request.POST or None, recipients=referrals.recipient_organisations(viewer), consents=consents
    )
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referrals.referral_create(
                viewer=viewer,
                access=access,
                to_organisation=data["to_organisation"],
                parts=data["parts"],
                consent=data["consent"],
            )
        except ConsentMissing:
            coverage = referrals.consent_coverage(access, data["to_organisation"], data["parts"])
            refusal = _coverage_message(coverage, data["to_organisation"])
            if data["consent"] is not None and coverage.consent is not None:
                refusal = _("The consent you chose does not cover this referral; another one does: choose it.")
        except (ValidationFailed, Conflict) as exc:
            if isinstance(exc, ValidationFailed):
                apply_validation_errors(form, exc)
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The case was referred. The other organisation can read the parts you chose."))
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "cases/referrals/create.html",
        {
            "access": access,
            "case": access.case,
            "form": form,
            "consents": [(c, _part_labels(c.parts)) for c in consents],
            "refusal": refusal,
        },
        status=400 if (form.errors or refusal) else 200,
    )


# --- consent -----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@case_roles
def consents(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    access = _own_case(viewer, case_id)
    can_write = viewer.has_role(CASE_WRITE_ROLES)
    form = forms.ConsentForm(
        request.POST if request.method == "POST" else None, recipients=referrals.recipient_organisations(viewer)
    )
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                referrals.consent_record(
                    viewer=viewer,
                    access=access,
                    recipient=data["recipient"],
                    given_by=data["given_by"],
                    purpose=data["purpose"],
                    parts=data["parts"],
                    valid_until=data["valid_until"],
                )
            except ValidationFailed as exc:
                apply_validation_errors(form, exc)
            else:
                messages.success(request, _("The consent was recorded."))
                return redirect("referrals:consents", case_id=access.case.pk)
    items = [(c, _part_labels(c.parts)) for c in referrals.consents_for(access)]
    return render(
        request,
        "cases/referrals/consents.html",
        {
            "access": access,
            "case": access.case,
            "items": items,
            "form": form,
            "can_write": can_write,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@case_roles
def consent_revoke(request: HttpRequest, viewer: Viewer, case_id: str, consent_id: str) -> HttpResponse:
    access = _own_case(viewer, case_id)
    consent = referrals.access_consent_by_id(viewer, consent_id)
    if consent.case_id != access.case.pk:
        raise NotFound
    referrals.consent_revoke(viewer=viewer, consent=consent)
    messages.success(request, _("The consent was revoked, and every referral based on it."))
    return redirect("referrals:consents", case_id=access.case.pk)


# --- vouching ----------------------------------------------------------------------------------------------------


def _vouch(request: HttpRequest, viewer: Viewer, form: Any, subject: Any) -> bool:
    data = form.cleaned_data
    try:
        vouching.vouch_create(
            viewer=viewer, subject=subject, basis=data["basis"], since=data["since"], expires_on=data["expires_on"]
        )
    except ValidationFailed as exc:
        apply_validation_errors(form, exc)
        return False
    messages.success(request, _("Your organisation's vouch was recorded."))
    return True


@require_http_methods(["GET", "POST"])
@member
def vouches(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    can_vouch = viewer.has_role(vouching.VOUCH_ROLES)
    kind = request.POST.get("kind", "") if request.method == "POST" else ""
    org_form = forms.VouchOrganisationForm(
        request.POST if kind == "organisation" else None, organisations=vouching.vouchable_organisations(viewer)
    )
    initiative_form = forms.VouchInitiativeForm(
        request.POST if kind == "initiative" else None, initiatives=vouching.vouchable_initiatives(viewer)
    )
    if request.method == "POST":
        if not can_vouch:
            raise PermissionDenied
        form: Any = {"organisation": org_form, "initiative": initiative_form}.get(kind)
        if form is None:
            raise NotFound
        if form.is_valid() and _vouch(request, viewer, form, form.cleaned_data[kind]):
            return redirect("referrals:vouches")
    page = Paginator(vouching.vouchable_organisations(viewer), PAGE_SIZE).get_page(request.GET.get("page"))
    organisations = list(page.object_list)
    explanations = trust.explain_organisations(viewer, organisations)
    return render(
        request,
        "cases/referrals/vouches.html",
        {
            "given": vouching.vouches_given(viewer)[:200],
            "received": vouching.vouches_received(viewer)[:200],
            "org_form": org_form,
            "initiative_form": initiative_form,
            "can_vouch": can_vouch,
            "page": page,
            "rows": [(o, explanations[int(o.pk)]) for o in organisations],
            "capacities": trust.CAPACITIES,
            "today": timezone.localdate(),
        },
        status=400 if (org_form.errors or initiative_form.errors) else 200,
    )


@require_POST
@member
def vouch_revoke(request: HttpRequest, viewer: Viewer, vouch_id: str) -> HttpResponse:
    vouch = vouching.access_vouch_by_id(viewer, vouch_id)
    vouching.vouch_revoke(viewer=viewer, vouch=vouch)
    messages.success(request, _("The vouch was revoked."))
    return redirect("referrals:vouches")


@require_http_methods(["GET", "POST"])
@case_roles
def person_vouches(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    access = access_case_by_id(viewer, case_id)
    explanation = trust.explain_person(viewer, access)  # NotFound unless the identity is readable
    can_vouch = viewer.has_role(vouching.VOUCH_ROLES)
    form = forms.VouchPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_vouch:
            raise PermissionDenied
        if form.is_valid() and _vouch(request, viewer, form, access.case.person):
            return redirect("referrals:person_vouches", case_id=access.case.pk)
    return render(
        request,
        "cases/referrals/person_vouches.html",
        {"access": access, "case": access.case, "explanation": explanation, "form": form, "can_vouch": can_vouch},
        status=400 if form.errors else 200,
    )
