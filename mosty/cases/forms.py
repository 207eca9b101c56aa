"""Forms for the caseworker's pages: filters, new case, triage, transitions, tasks, notes, messages, uploads.
They parse and report; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import User
from mosty.cases.workflows import TypeField, Workflow
from mosty.registry.forms import region_field, support_type_field

LEVELS = [(1, _("1 low")), (2, _("2 medium")), (3, _("3 high")), (4, _("4 critical"))]
SCOPES = [
    ("queue", _("Open cases")),
    ("mine", _("My cases")),
    ("referred", _("Referred to us")),
    ("closed", _("Closed")),
]


class CaseFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Show"), choices=SCOPES, required=False)
    state = forms.CharField(label=_("State"), required=False, max_length=40)
    risk = forms.TypedChoiceField(
        label=_("Risk at least"), required=False, coerce=int, empty_value=None, choices=[("", _("Any")), *LEVELS]
    )
    deadline = forms.TypedChoiceField(
        label=_("Deadline within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), (0, _("overdue or today")), (7, _("7 days")), (30, _("30 days"))],
    )
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=200)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_type"] = support_type_field(required=False)
        self.order_fields(["scope", "support_type", "state", "risk", "deadline"])


class PersonForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=200)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=200)
    aliases = forms.CharField(label=_("Other names or spellings"), required=False, max_length=500)
    birth_date = forms.CharField(
        label=_("Birth date"), required=False, max_length=10, help_text=_("1987-05-31, or 1987-05, or 1987.")
    )
    citizenship = forms.CharField(label=_("Citizenship"), required=False, max_length=100)
    contact = forms.CharField(
        label=_("Contact"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A safe way to reach the person. Encrypted."),
    )


class CaseForm(forms.Form):
    risk = forms.TypedChoiceField(label=_("Risk"), coerce=int, choices=LEVELS, initial=2)
    urgency = forms.TypedChoiceField(label=_("Urgency"), coerce=int, choices=LEVELS, initial=2)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Encrypted. Write what the next caseworker needs to know."),
    )

    def __init__(self, *args: Any, assignees: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_type"] = support_type_field(required=True)
        self.fields["region"] = region_field(required=False, label=_("Where the person is"))
        choices = [("", _("Nobody yet"))] + [(str(u.pk), u.username) for u in assignees or []]
        self.fields["assignee"] = forms.ChoiceField(label=_("Assigned to"), choices=choices, required=False)
        self._assignees = {str(u.pk): u for u in assignees or []}
        self.order_fields(["support_type", "risk", "urgency", "region", "assignee", "summary"])

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data.get("assignee") or ""
        return self._assignees.get(value)


def details_fields(workflow: Workflow, language: str) -> dict[str, forms.Field]:
    """Form fields for a support type's own fields (labels in the reader's language)."""
    out: dict[str, forms.Field] = {}
    for f in workflow.fields:
        out[f"d_{f.key}"] = _type_field(f, language)
    return out


def _type_field(f: TypeField, language: str) -> forms.Field:
    label = f.label(language)
    if f.kind == "bool":
        return forms.BooleanField(label=label, required=False)
    if f.kind == "number":
        return forms.IntegerField(label=label, required=f.required, min_value=0, max_value=10_000_000)
    if f.kind == "date":
        return forms.DateField(label=label, required=f.required, widget=forms.DateInput(attrs={"type": "date"}))
    if f.kind == "choice":
        index = {"en": 1, "uk": 2, "ru": 3}.get(language, 1)
        return forms.ChoiceField(
            label=label, required=f.required, choices=[("", "—"), *[(c[0], c[index]) for c in f.choices]]
        )
    widget = forms.Textarea(attrs={"rows": 3}) if f.max_length > 300 else forms.TextInput()
    return forms.CharField(label=label, required=f.required, max_length=f.max_length, widget=widget)


def details_from(form: forms.Form, workflow: Workflow) -> dict[str, Any]:
    data = form.cleaned_data
    out: dict[str, Any] = {}
    for f in workflow.fields:
        value = data.get(f"d_{f.key}")
        if value in (None, ""):
            continue
        out[f.key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


class TriageForm(forms.Form):
    risk = forms.TypedChoiceField(label=_("Risk"), coerce=int, choices=LEVELS)
    urgency = forms.TypedChoiceField(label=_("Urgency"), coerce=int, choices=LEVELS)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the applicant"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads it when checking the status with their codename. Say as little as needed."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Images and PDFs: their metadata (GPS, author) is removed."))
