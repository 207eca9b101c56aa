"""The export request form. It has no name or birth-date field on purpose (see `mosty.cases.exports`): an export
request is kept in clear and shown to the approver."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mosty.cases.exports import MAX_REASON
from mosty.cases.selectors import CaseFilters
from mosty.cases.workflows import WORKFLOWS
from mosty.registry.forms import NamedChoiceField
from mosty.registry.models import SupportType

EXPORT_SCOPE_CHOICES = [
    ("all", _("All our cases")),
    ("queue", _("Open cases")),
    ("mine", _("Open cases assigned to me")),
    ("closed", _("Closed cases")),
]
LEVELS = [("", _("Any")), (1, _("1 low")), (2, _("2 medium")), (3, _("3 high")), (4, _("4 critical"))]


def _state_choices(language: str) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for workflow in WORKFLOWS.values():
        for state in workflow.states:
            seen.setdefault(state.code, state.label(language))
    return [("", str(_("Any state"))), *sorted(seen.items(), key=lambda item: item[1])]


class ExportRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the export needed?"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The approver reads this. No names of people."),
    )
    scope = forms.ChoiceField(label=_("Cases"), choices=EXPORT_SCOPE_CHOICES, initial="all")
    risk = forms.TypedChoiceField(
        label=_("Risk at least"), required=False, coerce=int, empty_value=None, choices=LEVELS
    )
    deadline_within_days = forms.TypedChoiceField(
        label=_("Deadline within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), (0, _("overdue or today")), (7, _("7 days")), (30, _("30 days"))],
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_type"] = NamedChoiceField(
            queryset=SupportType.objects.all(),
            to_field_name="slug",
            required=False,
            label=_("Support type"),
            empty_label=_("Any support type"),
            error_messages={"invalid_choice": _("Unknown support type.")},
        )
        self.fields["state"] = forms.ChoiceField(label=_("State"), required=False, choices=_state_choices(language))
        self.order_fields(["reason", "scope", "support_type", "state", "risk", "deadline_within_days"])

    def filters(self) -> CaseFilters:
        """The chosen filters (codes only); call after `is_valid()`."""
        data = self.cleaned_data
        return CaseFilters(
            scope=data["scope"],
            support_type=data["support_type"],
            state=data["state"] or "",
            risk=data["risk"],
            deadline_within_days=data["deadline_within_days"],
        )


class ExportDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
