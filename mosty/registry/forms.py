"""Forms for the registry: filters (GET) and edits (POST). They turn input into typed values and report bad
input field by field; the services check everything again (the API calls them too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation, OrganisationKind
from mosty.registry import selectors
from mosty.registry.models import FundingStatus, Initiative, LinkKind, Region, RegionKind, Sector, SupportType

MAX_IMPORT_BYTES = 5 * 1024 * 1024

SCOPE_CHOICES = [
    ("RU", _("Russia")),
    ("UA", _("Ukraine")),
    ("exile", _("Countries of exile")),
]


class _NamedChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of sector, support type or region shown by its name in the current language, sent by its code."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


class _NamedMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


def _grouped_region_choices(*, include_empty: bool) -> list[Any]:
    """Regions grouped for a select: Russia's subjects, Ukraine's regions, then countries."""
    groups: dict[str, list[tuple[str, str]]] = {"RU": [], "UA": [], "countries": []}
    for region in Region.objects.all():
        if region.kind == RegionKind.SUBDIVISION:
            groups[region.country].append((region.code, f"{region.name()} ({region.code})"))
        else:
            groups["countries"].append((region.code, region.name()))
    for entries in groups.values():
        entries.sort(key=lambda entry: entry[1])
    choices: list[Any] = [("", _("Any region"))] if include_empty else []
    choices += [
        (_("Russia"), groups["RU"]),
        (_("Ukraine"), groups["UA"]),
        (_("Countries"), groups["countries"]),
    ]
    return choices


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


def _region_field(*, required: bool, label: Any = None) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    field = RegionChoiceField(
        queryset=Region.objects.all(),
        to_field_name="code",
        required=required,
        label=label or _("Region or country"),
        error_messages={"invalid_choice": _("Unknown region code.")},
    )
    field.choices = _grouped_region_choices(include_empty=not required)
    return field


def _sector_field(*, required: bool) -> _NamedChoiceField:
    return _NamedChoiceField(
        queryset=Sector.objects.all(),
        to_field_name="slug",
        required=required,
        label=_("Sector"),
        empty_label=_("Any sector") if not required else "—",
        error_messages={"invalid_choice": _("Unknown sector.")},
    )


def _support_type_field(*, required: bool) -> _NamedChoiceField:
    return _NamedChoiceField(
        queryset=SupportType.objects.all(),
        to_field_name="slug",
        required=required,
        label=_("Support type"),
        empty_label=_("Any support type") if not required else "—",
        error_messages={"invalid_choice": _("Unknown support type.")},
    )


# --- filters -----------------------------------------------------------------------------------------------------


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    funding_status = forms.ChoiceField(
        label=_("Funding"), required=False, choices=[("", _("Any funding")), *FundingStatus.choices]
    )
    actor = forms.ChoiceField(
        label=_("Carried out by"),
        required=False,
        choices=[("", _("Anyone")), ("organisation", _("Organisations")), ("initiative", _("Initiatives"))],
    )
    current = forms.BooleanField(label=_("Only current activities"), required=False)
    national_republics = forms.BooleanField(label=_("Only Russia's national republics"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"] = _sector_field(required=False)
        self.fields["support_type"] = _support_type_field(required=False)
        self.fields["region"] = _region_field(required=False)
        self.order_fields(["q", "sector", "support_type", "region"])

    def filters(self) -> selectors.ActivityFilters:
        if not self.is_valid():
            return selectors.ActivityFilters()
        data = self.cleaned_data
        return selectors.ActivityFilters(
            q=data["q"].strip(),
            sector=data["sector"],
            support_type=data["support_type"],
            region=data["region"],
            funding_status=data["funding_status"],
            actor=data["actor"],
            current_on=timezone.localdate() if data["current"] else None,
            national_republics=data["national_republics"],
        )


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *OrganisationKind.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"] = _sector_field(required=False)
        self.fields["region"] = _region_field(required=False)

    def filters(self) -> selectors.OrganisationFilters:
        if not self.is_valid():
            return selectors.OrganisationFilters()
        data = self.cleaned_data
        return selectors.OrganisationFilters(
            q=data["q"].strip(), sector=data["sector"], region=data["region"], kind=data["kind"]
        )


class CoverageFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Where"), required=False, choices=SCOPE_CHOICES)
    funding_status = forms.ChoiceField(
        label=_("Funding"), required=False, choices=[("", _("Any funding")), *FundingStatus.choices]
    )
    national_republics = forms.BooleanField(label=_("Only Russia's national republics"), required=False)
    on = forms.DateField(
        label=_("On"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Activities going on that day (default: today)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_type"] = _support_type_field(required=False)
        self.order_fields(["scope", "national_republics", "support_type", "funding_status", "on"])

    def value(self, name: str, default: Any = None) -> Any:
        if not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default

    def coverage_filters(self) -> selectors.CoverageFilters:
        return selectors.CoverageFilters(
            support_type=self.value("support_type"),
            funding_status=self.value("funding_status", ""),
            on=self.value("on"),
        )


# --- edits -------------------------------------------------------------------------------------------------------


class _RegionsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


def _regions_field(*, required: bool, label: Any) -> _RegionsField:
    field = _RegionsField(
        queryset=Region.objects.all(),
        to_field_name="code",
        required=required,
        label=label,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
        error_messages={"invalid_choice": _("Unknown region code: %(value)s.")},
    )
    field.choices = _grouped_region_choices(include_empty=False)
    return field


def _sectors_field(*, required: bool) -> _NamedMultipleChoiceField:
    return _NamedMultipleChoiceField(
        queryset=Sector.objects.all(),
        to_field_name="slug",
        required=required,
        label=_("Sectors"),
        widget=forms.CheckboxSelectMultiple,
    )


class ProfileForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Seen by every organisation on the platform. No names of people."),
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    founded_year = forms.IntegerField(label=_("Founded"), required=False, min_value=1900, max_value=2100)
    contact = forms.CharField(
        label=_("Secure contact"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How partners reach you safely. Members only, encrypted."),
    )
    internal_notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Members only, encrypted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sectors"] = _sectors_field(required=False)
        self.fields["regions"] = _regions_field(required=False, label=_("Where it works"))
        self.order_fields(["summary", "website", "founded_year", "sectors", "regions", "contact", "internal_notes"])


class InitiativeForm(forms.Form):
    codename = forms.CharField(
        label=_("Pseudonym"),
        max_length=80,
        help_text=_("A pseudonym, never the group's real name or a member's name."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Encrypted; seen only by your organisation and the organisations you link."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sectors"] = _sectors_field(required=False)
        self.fields["regions"] = _regions_field(required=False, label=_("Regions"))
        self.order_fields(["codename", "description", "sectors", "regions", "is_active"])


class InitiativeLinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Relationship"), choices=LinkKind.choices)
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, own_organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset=Organisation.objects.filter(is_active=True).exclude(pk=own_organisation_id).order_by("name"),
            label=_("Organisation"),
            error_messages={"invalid_choice": _("Choose an organisation from the list.")},
        )
        self.order_fields(["organisation", "kind", "since"])


class ActivityForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=160, help_text=_("A short description of the work. No names of people.")
    )
    start_date = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty while the activity goes on."),
    )
    people_per_month = forms.IntegerField(label=_("People a month"), required=False, min_value=0, max_value=10_000_000)
    funding_status = forms.ChoiceField(label=_("Funding"), choices=FundingStatus.choices)
    shared = forms.BooleanField(
        label=_("Show to all organisations on the platform"),
        required=False,
        initial=True,
        help_text=_("Activities of initiatives are shown only to organisations that know the initiative."),
    )
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=64,
        help_text=_("Your own identifier (optional); imports update the activity with the same reference."),
    )

    def __init__(self, *args: Any, initiatives: list[Initiative], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_type"] = _support_type_field(required=True)
        self.fields["sector"] = _sector_field(required=True)
        self.fields["regions"] = _regions_field(required=True, label=_("Regions and countries"))
        self.fields["initiative"] = forms.TypedChoiceField(
            label=_("Carried out by"),
            required=False,
            choices=[("", _("Your organisation")), *[(str(i.pk), i.codename) for i in initiatives]],
            help_text=_("Or one of the initiatives your organisation knows."),
        )
        self._initiatives = {str(i.pk): i for i in initiatives}
        self.order_fields(
            [
                "title",
                "initiative",
                "support_type",
                "sector",
                "regions",
                "start_date",
                "end_date",
                "people_per_month",
                "funding_status",
                "shared",
                "reference",
            ]
        )

    def clean_initiative(self) -> Initiative | None:
        value = self.cleaned_data.get("initiative") or ""
        return self._initiatives.get(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end cannot be before the start."))
        return data


def _parse_month(value: str) -> dt.date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise forms.ValidationError(_("Use a month like 2026-05."), code="invalid") from None


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-05", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        return _parse_month(text) if text else None


class NeedForm(forms.Form):
    requests = forms.IntegerField(label=_("Requests"), min_value=1, max_value=1_000_000)
    month = MonthField(label=_("Month"), help_text=_("The month the requests came in."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = _region_field(required=True)
        self.fields["sector"] = _sector_field(required=True)
        self.fields["support_type"] = _support_type_field(required=False)
        self.fields["support_type"].empty_label = _("Any support")  # type: ignore[attr-defined]
        self.order_fields(["region", "sector", "support_type", "requests", "month"])


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX with a header row and an HXL hashtag row, as the export writes it (at most 5 MB)."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file (import nothing)"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class MapFilterForm(CoverageFilterForm):
    """The map's filters: what and when (the map itself shows where)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["scope"]
        del self.fields["national_republics"]
        self.fields["sector"] = _sector_field(required=False)
        self.order_fields(["sector", "support_type", "funding_status", "on"])


# Public names for other apps' forms (cases choose a region and a support type the same way).
region_field = _region_field
support_type_field = _support_type_field
NamedChoiceField = _NamedChoiceField
