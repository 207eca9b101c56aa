"""Forms of the public intake. They parse and report; `mosty.cases.intake` decides.

Abuse checks that belong to the form itself:
- a honeypot field (`website`), hidden by a CSS class and from screen readers: people never fill it in, naive
  bots do;
- a signed ticket (django.core.signing, with the SECRET_KEY) issued when the form is shown. It names the
  organisation and support type the form is for and when it was shown: a submission less than
  `MIN_FILL_SECONDS` later is a script, one more than `MAX_FORM_AGE_SECONDS` later is stale. Its random nonce
  lets the view recognise a form sent twice (the back button) without storing anything about the sender.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mosty.cases import intake
from mosty.cases.forms import details_fields, details_from
from mosty.cases.workflows import Workflow, workflow_for
from mosty.core.exceptions import ValidationFailed
from mosty.registry.forms import region_field
from mosty.registry.models import SupportType

MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 60 * 60
_TICKET_SALT = "mosty.cases.intake.ticket"
CODENAME_MAX_CHARS = 200

RISK_CHOICES = [
    ("", _("I am not sure")),
    (1, _("I am safe for now")),
    (2, _("I am under pressure, but not in danger right now")),
    (3, _("I am in danger: threats, searches, a criminal case")),
    (4, _("I am in immediate danger")),
]
URGENCY_CHOICES = [
    ("", _("I am not sure")),
    (1, _("It can wait a month or more")),
    (2, _("Within a few weeks")),
    (3, _("Within a few days")),
    (4, _("Today or tomorrow")),
]


class BadTicket(Exception):
    """The ticket is missing, malformed or not signed by this installation."""


@dataclasses.dataclass(frozen=True)
class Ticket:
    organisation_id: int
    support_type: str
    issued_at: float
    nonce: str
    token: str

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.issued_at


def issue_ticket(organisation_id: int, support_type_slug: str, *, now: float | None = None) -> Ticket:
    issued_at = int(time.time() if now is None else now)
    nonce = secrets.token_urlsafe(12)
    payload = {"o": organisation_id, "s": support_type_slug, "t": issued_at, "n": nonce}
    token = signing.dumps(payload, salt=_TICKET_SALT)
    return Ticket(organisation_id, support_type_slug, float(issued_at), nonce, token)


def read_ticket(token: str) -> Ticket:
    """The ticket's content if this installation signed it (BadTicket otherwise). Its age is checked by the form,
    so that a stale form is shown again with what the applicant typed."""
    if not token or len(token) > 500:
        raise BadTicket
    try:
        payload = signing.loads(token, salt=_TICKET_SALT)
        return Ticket(int(payload["o"]), str(payload["s"]), float(payload["t"]), str(payload["n"]), token)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadTicket from None


class IntakeChoiceForm(forms.Form):
    """The start page's choice: an organisation and one of its support types (by their public codes)."""

    organisation = forms.SlugField(max_length=60)
    support_type = forms.SlugField(max_length=40)


def intake_workflow(support_type: SupportType) -> Workflow:
    """The type's workflow with only the fields asked on the public form."""
    workflow = workflow_for(support_type.slug)
    return dataclasses.replace(workflow, fields=tuple(f for f in workflow.fields if f.intake))


class IntakeForm(forms.Form):
    need = forms.CharField(
        label=_("What do you need?"),
        max_length=intake.NEED_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Describe your situation and the help you need, in any language. Write only what is needed; "
            "leave out other people's names if you can."
        ),
    )
    risk = forms.TypedChoiceField(
        label=_("How safe are you right now?"), choices=RISK_CHOICES, coerce=int, required=False, empty_value=None
    )
    urgency = forms.TypedChoiceField(
        label=_("How soon do you need help?"), choices=URGENCY_CHOICES, coerce=int, required=False, empty_value=None
    )
    name = forms.CharField(
        label=_("How should we address you? (optional)"),
        max_length=intake.NAME_MAX_CHARS,
        required=False,
        help_text=_("Any name you like: a pseudonym is fine."),
    )
    contact = forms.CharField(
        label=_("A safe way to reach you (optional)"),
        max_length=intake.CONTACT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example a Signal username or an email address that is not linked to your name. "
            "Leave it empty to be reached only through your codename."
        ),
    )
    # The honeypot: hidden by the `intake-hp` class in the template, never filled in by a person.
    website = forms.CharField(
        label=_("Leave this field empty"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    token = forms.CharField(max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, support_type: SupportType, language: str, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["token"] = ticket.token
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.expired = False
        self.workflow = intake_workflow(support_type)
        self.support_type = support_type
        type_fields = details_fields(self.workflow, language)
        for type_field in type_fields.values():
            if not type_field.required:
                type_field.label = gettext("%(question)s (optional)") % {"question": type_field.label}
        self.fields.update(type_fields)
        # The region choices come from the database: built per form.
        region = region_field(required=False, label=_("Region or country where you are now (optional)"))
        region.help_text = _("Never an address: the region is enough.")
        grouped = list(cast("Iterable[Any]", region.choices))
        region.choices = [("", _("I prefer not to say")), *grouped[1:]]
        self.fields["region"] = region
        self.order_fields(["need", *type_fields, "region", "risk", "urgency", "name", "contact"])

    @property
    def shown_fields(self) -> list[Any]:
        """The fields a person fills in (not the honeypot, not the ticket)."""
        return [self[name] for name in self.fields if name not in {"website", "token"}]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(_("The form could not be sent. Please check your answers and try again."))
        age = self.ticket.age()
        if age > MAX_FORM_AGE_SECONDS:
            self.expired = True
            raise forms.ValidationError(
                _(
                    "This form was open for more than two hours. Nothing was sent yet: check what you wrote "
                    "and send it again."
                )
            )
        if age < MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very quick. Please check your answers, wait a moment and send the form again.")
            )
        return cleaned

    def renew(self, ticket: Ticket) -> None:
        """Put a fresh ticket into the form shown again (after an expired one)."""
        self.ticket = ticket
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["token"] = ticket.token
        self.data = data

    def to_request(self) -> intake.IntakeRequest:
        data = self.cleaned_data
        return intake.IntakeRequest(
            support_type=self.support_type,
            need=data["need"],
            name=data["name"],
            contact=data["contact"],
            region=data["region"],
            risk=data["risk"] or 2,
            urgency=data["urgency"] or 2,
            details=details_from(self, self.workflow),
        )

    def apply(self, exc: ValidationFailed) -> None:
        """Show a service's ValidationFailed on the fields it names (type fields are `d_<key>` here)."""
        for key, messages in exc.errors.items():
            name = key if key in self.fields else f"d_{key}" if f"d_{key}" in self.fields else None
            for message in messages:
                self.add_error(name, message)
        if not exc.errors:
            self.add_error(None, str(exc.message))


class CodenameForm(forms.Form):
    codename = forms.CharField(
        label=_("Your codename"),
        max_length=CODENAME_MAX_CHARS,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autocorrect": "off"}
        ),
        help_text=_("The words you wrote down when you sent your request. Spaces and capitals do not matter."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=intake.REPLY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the organisation's caseworkers can read it. Write only what is needed."),
    )
