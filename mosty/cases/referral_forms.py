"""Forms for consent, referrals and vouching. They parse and report; the services in `referrals.py` and
`vouching.py` decide (the API calls them too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation
from mosty.cases.models import Consent, ConsentGiver, ReferralPart, VouchBasis
from mosty.registry.models import Initiative

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class _OrganisationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _InitiativeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.codename} ({obj.organisation.name})"


class _ConsentField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        parts = ", ".join(str(ReferralPart(p).label) for p in obj.parts)
        return str(
            _("%(org)s — %(parts)s — until %(date)s")
            % {"org": obj.recipient.name, "parts": parts, "date": obj.valid_until.isoformat()}
        )


def _parts_field(label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=ReferralPart.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one part.")},
    )


def _organisation_field(queryset: QuerySet[Organisation], label: Any) -> _OrganisationField:
    return _OrganisationField(
        queryset=queryset,
        label=label,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose an organisation from the list.")},
    )


class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGiver.choices)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        help_text=_("What the sharing is for, e.g. 'relocation support'. No names of people."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DATE_WIDGET, help_text=_("A date in the future, at most two years ahead.")
    )

    def __init__(self, *args: Any, recipients: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"] = _organisation_field(recipients, _("Shared with"))
        self.fields["parts"] = _parts_field(_("Parts the person agreed to share"))
        self.order_fields(["recipient", "parts", "given_by", "purpose", "valid_until"])


class ReferralForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        recipients: QuerySet[Organisation],
        consents: QuerySet[Consent],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"] = _organisation_field(recipients, _("Refer to"))
        self.fields["parts"] = _parts_field(_("Parts to share"))
        self.fields["consent"] = _ConsentField(
            queryset=consents,
            required=False,
            label=_("Under the consent"),
            empty_label=_("The newest consent that covers it"),
            error_messages={"invalid_choice": _("Choose a valid consent from the list.")},
        )


class _VouchFields(forms.Form):
    basis = forms.ChoiceField(label=_("Basis"), choices=VouchBasis.choices)
    since = forms.DateField(label=_("Known since"), required=False, widget=DATE_WIDGET)
    expires_on = forms.DateField(
        label=_("Expires on"), widget=DATE_WIDGET, help_text=_("A date in the future, at most three years ahead.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("expires_on", timezone.localdate() + dt.timedelta(days=365))
        super().__init__(*args, **kwargs)


class VouchOrganisationForm(_VouchFields):
    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "org")
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = _organisation_field(organisations, _("Organisation"))
        self.order_fields(["organisation", "basis", "since", "expires_on"])


class VouchInitiativeForm(_VouchFields):
    def __init__(self, *args: Any, initiatives: QuerySet[Initiative], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "initiative")
        super().__init__(*args, **kwargs)
        self.fields["initiative"] = _InitiativeField(
            queryset=initiatives,
            label=_("Initiative"),
            empty_label="—",
            error_messages={"invalid_choice": _("Choose an initiative from the list.")},
        )
        self.order_fields(["initiative", "basis", "since", "expires_on"])


class VouchPersonForm(_VouchFields):
    pass
