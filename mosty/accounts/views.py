"""Login, second factor, enrolment, security settings, organisation switch and members. Thin: the work is
in services and selectors."""

from __future__ import annotations

from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

from mosty.accounts import selectors, services
from mosty.accounts.forms import LoginForm, OTPCodeForm, RecoveryCodeForm, SwitchOrganisationForm
from mosty.accounts.middleware import SESSION_KEY as ACTIVE_ORG_SESSION_KEY
from mosty.accounts.models import RecoveryCodeDevice, User
from mosty.core.audit import audit_record
from mosty.core.crypto.keyring import prefetch_data_keys
from mosty.core.exceptions import InvalidCredentials, InvalidOTP, MostyError, NotFound
from mosty.core.views import render_error

NEXT_SESSION_KEY = "mosty_next"
ENROL_SESSION_KEY = "mosty_enrol_device"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return value
    return reverse("core:home")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (django-otp's middleware adds `is_verified`)."""
    return bool(request.user.is_authenticated and getattr(request.user, "is_verified", lambda: False)())


def _passkeys(user: User) -> list[Device]:
    return list(get_credential_model().objects.filter(user=user, confirmed=True).order_by("pk"))


def _show_recovery_codes(request: HttpRequest, codes: list[str], continue_url: str) -> HttpResponse:
    """Show freshly issued recovery codes in this response only. They are never put in the session (the
    session table would then hold usable second factors in plain text, in every backup)."""
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": continue_url})


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step one: username and password. Unknown user, wrong password and locked account answer alike."""
    if _is_verified(request):
        return redirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    error: str | None = None
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is None:
            error = str(InvalidCredentials().message)
        else:
            next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
            auth_login(request, user)  # a new session key: no fixation
            request.session[NEXT_SESSION_KEY] = next_url
            if not selectors.user_has_confirmed_device(user):
                return redirect("accounts:enrol")
            return redirect("accounts:verify")
    status = 200 if request.method == "GET" or (error is None and not form.errors) else 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=status,
    )


def _finish_second_factor(request: HttpRequest, device: Device) -> HttpResponse:
    user = _user(request)
    otp_login(request, device)
    # A new session key for the new privilege level, as at the password step.
    request.session.cycle_key()
    services.user_login_succeeded(user=user)
    audit_record(action="user.logged_in", actor=user, object_type="user", object_id=user.pk)
    return redirect(_safe_next(request, request.session.pop(NEXT_SESSION_KEY, None)))


def _locked_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.error(request, str(InvalidCredentials().message))
    return redirect("accounts:login")


def _second_factor_failed(request: HttpRequest) -> HttpResponse | None:
    """Count the failure toward the account lockout; a locked account is logged out."""
    user = _user(request)
    services.user_login_failed(user=user)
    user.refresh_from_db(fields=["locked_until"])
    if user.is_locked():
        return _locked_out(request)
    return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: a TOTP code, a recovery code, or a passkey (the passkey goes through /webauthn/)."""
    user = _user(request)
    if _is_verified(request):
        return redirect(_safe_next(request, request.session.pop(NEXT_SESSION_KEY, None)))
    user.refresh_from_db(fields=["locked_until"])
    if user.is_locked():
        # The account was locked after this session passed the password (e.g. by guesses in another
        # session): the lock applies to every session still waiting for its second factor.
        return _locked_out(request)
    if not selectors.user_has_confirmed_device(user):
        return redirect("accounts:enrol")
    code_form = OTPCodeForm(request.POST if "code" in request.POST else None)
    recovery_form = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    error: str | None = None
    if request.method == "POST":
        if code_form.is_bound and code_form.is_valid():
            device = services.totp_verify(user=user, token=code_form.cleaned_data["code"])
            if device is not None:
                return _finish_second_factor(request, device)
            error = str(InvalidOTP().message)
        elif recovery_form.is_bound and recovery_form.is_valid():
            recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
            if recovery is not None and recovery.verify_token(recovery_form.cleaned_data["recovery_code"]):
                audit_record(action="otp.recovery_code_used", actor=user, object_type="user", object_id=user.pk)
                remaining = recovery.remaining()
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. %(count)s is left; make new ones on the Security page.",
                        "You used a recovery code. %(count)s are left; make new ones on the Security page.",
                        remaining,
                    )
                    % {"count": remaining},
                )
                return _finish_second_factor(request, recovery)
            error = _("That recovery code is not valid or was already used.")
        elif not (code_form.is_bound or recovery_form.is_bound):
            error = _("Enter a code.")
        if error is not None and (code_form.is_bound or recovery_form.is_bound):
            # A well-formed code was checked and refused: that is a guess, and guesses count toward the
            # lockout. Malformed input is answered by the form and guesses nothing.
            locked = _second_factor_failed(request)
            if locked is not None:
                return locked
    invalid = error is not None or bool(code_form.errors) or bool(recovery_form.errors)
    return render(
        request,
        "accounts/verify.html",
        {
            "code_form": code_form,
            "recovery_form": recovery_form,
            "error": error,
            "has_passkey": bool(_passkeys(user)),
        },
        status=400 if invalid else 200,
    )


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First login: set up an authenticator app (or a passkey). Only for users with no second factor yet;
    anyone else must verify with what they have, so a phished password cannot add a device."""
    user = _user(request)
    if selectors.user_has_confirmed_device(user):
        if _is_verified(request):
            return redirect("accounts:security")
        return redirect("accounts:verify")
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROL_SESSION_KEY), user=user, confirmed=False).first()
    if device is None:
        device = services.totp_device_start(user=user)
        request.session[ENROL_SESSION_KEY] = device.pk
    form = OTPCodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(device=device, token=form.cleaned_data["code"]):
            request.session.pop(ENROL_SESSION_KEY, None)
            otp_login(request, device)
            request.session.cycle_key()
            audit_record(action="user.logged_in", actor=user, object_type="user", object_id=user.pk)
            codes = services.recovery_codes_regenerate(user=user)
            return _show_recovery_codes(
                request, codes, _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
            )
        error = str(InvalidOTP().message)
    uri = device.config_url
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return render(
        request,
        "accounts/enrol.html",
        {"form": form, "error": error, "otpauth_uri": uri, "secret": _base32(device), "qr_svg": qr_svg},
        status=400 if error or form.errors else 200,
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Recovery codes are shown only in the response that issued them (enrolment or the Security page) and
    are stored only as hashes, so there is nothing to show again here."""
    return redirect("accounts:security")


@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate_recovery_codes":
            codes = services.recovery_codes_regenerate(user=user)
            return _show_recovery_codes(request, codes, reverse("accounts:security"))
        if action == "end_all_sessions":
            services.user_end_all_sessions(user=user)
            auth_logout(request)
            messages.success(request, _("All your sessions have ended, including this one. Log in again."))
            return redirect("accounts:login")
        return render_error(request, MostyError(_("Unknown action.")))
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    return render(
        request,
        "accounts/security.html",
        {
            "totp_devices": TOTPDevice.objects.filter(user=user, confirmed=True),
            "passkeys": _passkeys(user),
            "recovery_remaining": recovery.remaining() if recovery else 0,
        },
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("accounts:login")


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    if not form.is_valid():
        return render_error(request, NotFound())
    try:
        membership = selectors.access_membership_by_organisation_id(_user(request), form.cleaned_data["organisation"])
    except NotFound as exc:
        return render_error(request, exc)
    request.session[ACTIVE_ORG_SESSION_KEY] = membership.organisation_id
    next_url = _safe_next(request, request.POST.get("next"))
    return HttpResponseRedirect(next_url)


@require_http_methods(["GET"])
def members(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    if organisation is None:
        return render(request, "accounts/members.html", {"page": None})
    page = Paginator(selectors.organisation_members(_user(request), organisation), 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    prefetch_data_keys(m.user.data_key_id for m in page.object_list)  # display names: one query, not one per row
    return render(request, "accounts/members.html", {"page": page})


@require_http_methods(["GET"])
def audit_log(request: HttpRequest) -> HttpResponse:
    from mosty.core.selectors import audit_events_for_organisation

    organisation = request.organisation  # type: ignore[attr-defined]
    try:
        events = audit_events_for_organisation(_user(request), organisation)
    except MostyError as exc:
        return render_error(request, exc)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page})
