"""Forms for the detainee registry: they turn input into typed values and report bad input field by field; the
services check everything again (the API and the command line call them too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation
from mosty.detainees import importing
from mosty.detainees.display import FIELD_LABELS
from mosty.detainees.models import Source, Status, Verdict

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

FIELD_NAMES: dict[str, Any] = {"record_id": _("Record id (the list's own reference)"), **FIELD_LABELS}
FIELD_NAMES["notes"] = _("Notes")


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("What your organisation calls the list."))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the list covers and how it is kept. No names of people."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or XLSX, with a header row; at most 5 MB and the server's upload limit."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file and preview it (import nothing)"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB. Import it on the server instead."))
        if not (upload.name or "").lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class MappingForm(forms.Form):
    """Which of the file's columns holds which of our fields (a select of the file's headers for each)."""

    prefix = "map"

    def __init__(self, *args: Any, headers: Iterable[str], initial_mapping: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *[(h, h) for h in headers if h]]
        for name in importing.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_NAMES[name],
                choices=choices,
                required=name == "record_id",
                initial=initial_mapping.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class MappingEditForm(forms.Form):
    """The remembered mapping, edited without a file: the header text of each column."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in importing.FIELDS:
            self.fields[name] = forms.CharField(label=FIELD_NAMES[name], required=name == "record_id", max_length=120)

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class ShareForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = candidates  # type: ignore[attr-defined]


class SourceChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class RunForm(forms.Form):
    sources = SourceChoiceField(
        label=_("Lists to link"),
        queryset=Source.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Your organisation's lists and the lists other organisations shared with it."),
    )

    def __init__(self, *args: Any, sources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sources"]
        field.queryset = sources  # type: ignore[attr-defined]
        field.initial = [s.pk for s in sources]


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])


class PersonFilterForm(StatusFilterForm):
    source = forms.ChoiceField(label=_("List"), required=False)
    multi = forms.BooleanField(label=_("Only persons with several records"), required=False)

    def __init__(self, *args: Any, sources: Iterable[Source], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [  # type: ignore[attr-defined]
            ("", _("Any list")),
            *[(str(s.pk), f"{s.name} ({s.organisation.name})") for s in sources],
        ]


class ReviewShowForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("open", _("Not yet decided")), ("unsure", _("Marked unsure")), ("decided", _("Decided"))],
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Your decision"), choices=Verdict.choices, widget=forms.RadioSelect)


class RecordSearchForm(forms.Form):
    """Sent by POST, so that a name never travels in a URL (or a server log)."""

    family_name = forms.CharField(
        label=_("Family name"),
        required=False,
        max_length=200,
        help_text=_("In any script or transliteration: Шевченко finds Shevchenko and Schewtschenko."),
    )
    birth_date = forms.CharField(
        label=_("Birth date"), required=False, max_length=10, help_text=_("1987-05-12, 12.05.1987, 1987-05 or 1987")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("family_name", "").strip() or data.get("birth_date", "").strip()):
            raise forms.ValidationError(_("Give a family name, a birth date or both."))
        return data
