"""Records as a reader sees them: in the reader's script, and two records side by side, field by field.

Script: a reader whose interface language is written in Latin letters (English, Czech, Polish, German, French)
sees Cyrillic names and places transliterated by the national standard (`mosty.linkage.names.display_latin`:
the Ukrainian passport system for Ukrainian, ICAO for Russian), with the stored spelling beside it; a reader in
Ukrainian or Russian sees everything as stored (there is no Latin-to-Cyrillic transliteration: a Latin spelling
of a Slavic name cannot be read back reliably). Nothing is changed in the data.

Side by side: each field is "agrees", "differs" or "missing" (empty on either side), judged on the linkage
package's normalised forms, so that Шевченко and Shevchenko agree, Олександр and Sasha agree (one name group),
1987 and 1987-05-12 agree (as far as both are known), and "м. Херсон" and Kherson agree. The model's own reading
of the pair (its comparison levels, e.g. "family and patronymic agree") is shown beside it, translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mosty.detainees.models import DetaineeRecord, Status
from mosty.linkage.text import Language

CYRILLIC_LANGUAGES = frozenset({"uk", "ru", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"})

AGREES = "agrees"
DIFFERS = "differs"
MISSING = "missing"
PARTLY = "partly"  # the model's in-between levels (similar, same year, ...), for its reading only

VERDICT_LABELS: dict[str, Promise] = {AGREES: _("agrees"), DIFFERS: _("differs"), MISSING: _("missing")}

FIELD_LABELS: dict[str, Promise] = {
    "family_name": _("Family name"),
    "given_name": _("Given name"),
    "patronymic": _("Patronymic"),
    "birth_date": _("Birth date"),
    "birth_place": _("Birth place"),
    "citizenship": _("Citizenship"),
    "detention_date": _("Detention date"),
    "detention_place": _("Place of detention"),
    "status": _("Status"),
}
TRANSLITERATED = frozenset({"family_name", "given_name", "patronymic", "birth_place", "detention_place"})

COMPARISON_LABELS: dict[str, Promise] = {
    "family": _("Family name"),
    "given": _("Given name"),
    "sex": _("Sex (from the names)"),
    "birth_date": _("Birth date"),
    "citizenship": _("Citizenship"),
    "detention_date": _("Detention date"),
    "detention_place": _("Place of detention"),
}
LEVEL_LABELS: dict[str, Promise] = {
    "agrees": _("agrees"),
    "differs": _("differs"),
    "missing": _("missing"),
    "similar": _("similar"),
    "same name group": _("same name (another form or a diminutive)"),
    "swapped with family name": _("swapped with the family name"),
    "swapped with given name": _("swapped with the given name"),
    "family, patronymic and birthplace agree": _("family name, patronymic and birth place agree"),
    "family and patronymic agree": _("family name and patronymic agree"),
    "family and birthplace agree": _("family name and birth place agree"),
    "family agrees, patronymic or birthplace differs": _("family name agrees, patronymic or birth place differs"),
    "family agrees": _("family name agrees"),
    "family very similar, patronymic or birthplace agrees": _(
        "family name very similar, patronymic or birth place agrees"
    ),
    "family very similar": _("family name very similar"),
    "family similar": _("family name similar"),
    "partial date agrees": _("agrees as far as both are known"),
    "one part differs": _("one part differs"),
    "same year": _("same year"),
    "one year apart": _("one year apart"),
}


def wants_latin(language: str | None = None) -> bool:
    """Whether a reader of this interface language (default: the active one) reads Latin letters."""
    code = (language or get_language() or "en").split("-")[0].lower()
    return code not in CYRILLIC_LANGUAGES


@dataclass(frozen=True)
class Shown:
    """A value as shown: `text` in the reader's script, `original` the stored spelling when it differs."""

    text: str
    original: str = ""

    def __str__(self) -> str:
        return self.text


def record_language(record: DetaineeRecord) -> Language:
    """Ukrainian or Russian, read from all of a record's names and places at once (a single name such as Грицан
    has no letter only one language uses; Грицан Василь Костянтинович from Чернігів has several), else
    "unknown"."""
    from mosty.linkage.text import language_of

    parts = [record.family_name, record.given_name, record.patronymic, record.birth_place, record.detention_place]
    return language_of(" ".join(p for p in parts if p))


def shown(value: str | None, *, latin: bool, language: Language = "unknown") -> Shown:
    from mosty.linkage.names import display_latin
    from mosty.linkage.text import script_of

    text = value or ""
    if latin and text and script_of(text) in {"cyrillic", "mixed"}:
        converted = display_latin(text, language)
        if converted and converted != text:
            return Shown(text=converted, original=text)
    return Shown(text=text)


def record_values(record: DetaineeRecord, *, latin: bool) -> dict[str, Shown]:
    """The record's fields as the reader sees them (the caller prefetched its data key)."""
    out: dict[str, Shown] = {}
    language = record_language(record) if latin else "unknown"
    for name in FIELD_LABELS:
        if name == "status":
            out[name] = Shown(text=str(Status(record.status).label))
        elif name in TRANSLITERATED:
            out[name] = shown(getattr(record, name), latin=latin, language=language)
        else:
            out[name] = Shown(text=getattr(record, name) or "")
    out["notes"] = Shown(text=record.notes or "")
    return out


def display_name(record: DetaineeRecord, *, latin: bool) -> Shown:
    """Family name, given name and patronymic in one line."""
    parts = [record.family_name or "", record.given_name or "", record.patronymic or ""]
    joined = " ".join(p for p in parts if p)
    if not joined:
        return Shown(text="")
    return shown(joined, latin=latin, language=record_language(record) if latin else "unknown")


# --- field by field ----------------------------------------------------------------------------------------------


def _names_agree(name: str, a: str, b: str) -> bool:
    from mosty.linkage.names import given_groups, name_key, patronymic_of

    key_a, key_b = name_key(a), name_key(b)
    if key_a == key_b:
        return True
    if name == "given_name":
        return bool(set(given_groups(key_a)) & set(given_groups(key_b)))
    if name == "patronymic":
        group_a, group_b = patronymic_of(key_a)[0], patronymic_of(key_b)[0]
        return group_a is not None and group_a == group_b
    return False


def _dates_agree(a: str, b: str) -> bool:
    from mosty.linkage.dates import parse_partial_date

    first, second = parse_partial_date(a), parse_partial_date(b)
    if first is None or second is None:
        return a.strip() == b.strip()
    if first.year != second.year:
        return False
    if first.month is not None and second.month is not None and first.month != second.month:
        return False
    return first.day is None or second.day is None or first.day == second.day


def _places_agree(a: str, b: str) -> bool:
    from mosty.linkage.features import place_key

    return place_key(a) == place_key(b)


def _citizenships_agree(a: str, b: str) -> bool:
    from mosty.linkage.features import citizenship_code

    return citizenship_code(a) == citizenship_code(b)


def verdict(name: str, a: str, b: str) -> str:
    """agrees, differs or missing, for one field of two records (see the module docstring)."""
    if name == "status":
        unknown = Status.UNKNOWN.value
        if a == unknown or b == unknown:
            return MISSING
        return AGREES if a == b else DIFFERS
    if not a.strip() or not b.strip():
        return MISSING
    if name in {"family_name", "given_name", "patronymic"}:
        same = _names_agree(name, a, b)
    elif name in {"birth_date", "detention_date"}:
        same = _dates_agree(a, b)
    elif name in {"birth_place", "detention_place"}:
        same = _places_agree(a, b)
    elif name == "citizenship":
        same = _citizenships_agree(a, b)
    else:
        same = a.strip().casefold() == b.strip().casefold()
    return AGREES if same else DIFFERS


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: Any
    left: Shown
    right: Shown
    verdict: str

    @property
    def verdict_label(self) -> Any:
        return VERDICT_LABELS[self.verdict]


def side_by_side(left: DetaineeRecord, right: DetaineeRecord, *, latin: bool) -> list[FieldRow]:
    """Every compared field of two records (their keys prefetched), in the reader's script, with its verdict."""
    shown_left, shown_right = record_values(left, latin=latin), record_values(right, latin=latin)
    rows = []
    for name, label in FIELD_LABELS.items():
        if name == "status":
            a, b = left.status, right.status
        else:
            a, b = getattr(left, name) or "", getattr(right, name) or ""
        rows.append(FieldRow(name, label, shown_left[name], shown_right[name], verdict(name, a, b)))
    return rows


@dataclass(frozen=True)
class ModelReading:
    label: Any
    level: Any
    verdict: str


def model_reading(comparisons: dict[str, str]) -> list[ModelReading]:
    """The model's comparison levels for a pair, translated, each with a class: agrees, partly, differs or
    missing."""
    out = []
    for name, level in comparisons.items():
        label = COMPARISON_LABELS.get(name, name)
        text = LEVEL_LABELS.get(level, level)
        if level in {"missing", "differs"}:
            kind = MISSING if level == "missing" else DIFFERS
        elif level.endswith(("agree", "agrees")) and "differs" not in level and "similar" not in level:
            kind = AGREES
        else:
            kind = PARTLY
        out.append(ModelReading(label=label, level=text, verdict=kind))
    return out
