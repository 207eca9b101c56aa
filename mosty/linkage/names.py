# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""Names: canonical keys, given-name groups, patronymics, swapped and run-together names.

Promises:
- `name_key(text, language)` is the canonical Latin key of a name in any script (see `latin.py`): Cyrillic is
  first transliterated (KMU 2010 for Ukrainian, ICAO 9303 for Russian, `translit.py`), so Шевченко and
  Schewtschenko share a key, and a misdetected language changes the display form but not the key.
- `display_latin(text, language)` is the readable national transliteration (Shevchenko, Oleksandr), for people.
- `given_groups(key)` are the groups a given name belongs to: Олександр, Александр, Саша, Oleksandr, Aleksandr
  and Alexander all answer ("oleksandr",); a diminutive shared by several names answers all of them (Саша is
  also "oleksandra"). Unknown names answer ().
- `patronymic_of(key)` gives the father's name group and the sex a patronymic implies (Олександрович,
  Александровна, Андріївна, Ilyich); (None, None) if it is not a patronymic we can read.
- `split_full_name` and `looks_swapped` repair the two commonest data-entry slips: a whole name in one
  column, and family and given names exchanged.

The group table is `data/given_names.tsv`: about 230 names with their Ukrainian, Russian and foreign forms and
diminutives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from mosty.linkage.latin import latin_key
from mosty.linkage.text import Language, clean, language_of, script_of
from mosty.linkage.translit import transliterate

Sex = str  # "m" or "f"


def to_latin(text: str, language: Language = "unknown") -> str:
    """Cleaned `text` with Cyrillic words transliterated; Latin words left as they are."""
    cleaned = clean(text)
    if script_of(cleaned) in {"cyrillic", "mixed"}:
        if language == "unknown":
            language = language_of(text)
        return transliterate(cleaned, language)
    return cleaned


@lru_cache(maxsize=1 << 18)
def name_key(text: str | None, language: Language = "unknown") -> str:
    """The canonical key of a name in any script; "" for an empty name."""
    if not text:
        return ""
    latin = to_latin(text, language)
    key = latin_key(latin)
    # Scripts we do not transliterate (Georgian, Armenian, Arabic) keep their cleaned letters.
    return key or latin.replace(" ", "")


def display_latin(text: str | None, language: Language = "unknown") -> str:
    """The national-standard Latin spelling of a name, title-cased, for people to read."""
    if not text:
        return ""
    return to_latin(text, language).title()


@dataclass(frozen=True)
class _NameIndex:
    groups_by_key: dict[str, tuple[str, ...]]
    sex_by_group: dict[str, Sex]
    patronymics: dict[str, tuple[str, Sex]]


_UK_SOFT_END = re.compile(r"(ій|ай|ей|ой|уй|яй|юй)$")


def _patronymic_forms(name: str) -> list[tuple[str, Sex]]:
    """Ukrainian and Russian patronymics of a male name in Cyrillic (both rule sets: a spelling may mix them)."""
    lower = name.casefold()
    forms: list[tuple[str, Sex]] = []
    if _UK_SOFT_END.search(lower):
        stem = lower[:-1]
        forms += [(stem + "йович", "m"), (stem + "ївна", "f"), (stem + "евич", "m"), (stem + "евна", "f")]
    if lower.endswith("ий"):
        stem = lower[:-2]
        forms += [(stem + "ьевич", "m"), (stem + "ьевна", "f"), (stem + "иевич", "m"), (stem + "иевна", "f")]
    if lower.endswith("ь"):
        stem = lower[:-1]
        forms += [(stem + "ович", "m"), (stem + "івна", "f"), (stem + "евич", "m"), (stem + "евна", "f")]
    if lower.endswith(("о", "а", "я")):
        stem = lower[:-1]
        forms += [(stem + "ович", "m"), (stem + "івна", "f"), (stem + "ич", "m"), (stem + "ична", "f")]
        if lower.endswith(("ла", "ля")):
            forms += [(stem + "айович", "m"), (stem + "аївна", "f"), (stem + "аевич", "m"), (stem + "аевна", "f")]
        if lower.endswith("я"):
            forms += [(stem + "ич", "m"), (stem + "інічна", "f"), (stem + "инична", "f")]
    if lower[-1:].isalpha() and lower[-1] not in "оаяьйіи":
        forms += [(lower + "ович", "m"), (lower + "івна", "f"), (lower + "овна", "f"), (lower + "евич", "m")]
    return forms


@cache
def _index() -> _NameIndex:
    groups_by_key: dict[str, list[str]] = {}
    sex_by_group: dict[str, Sex] = {}
    patronymics: dict[str, tuple[str, Sex]] = {}
    text = resources.files("mosty.linkage").joinpath("data/given_names.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group, sex, forms_text = line.split("\t")
        sex_by_group[group] = sex
        forms = [f.strip() for f in forms_text.split(",") if f.strip()]
        for form in [group, *forms]:
            key = name_key(form)
            bucket = groups_by_key.setdefault(key, [])
            if group not in bucket:
                bucket.append(group)
        if sex == "m":
            # full forms only (the first two: Ukrainian and Russian); diminutives make no patronymics
            for form in forms[:2]:
                for patronymic, p_sex in _patronymic_forms(form):
                    patronymics.setdefault(name_key(patronymic), (group, p_sex))
    return _NameIndex({k: tuple(v) for k, v in groups_by_key.items()}, sex_by_group, patronymics)


_SOFT_I = re.compile(r"(?<=[^aeiou])i(?=[aeou])")


def _spelling_variants(key: str) -> list[str]:
    """Keys a name may have had under another habit: ch read as х (Polish, German, Czech), a soft i dropped
    (Stiopa, Стьопа), s for з (German), c for к (Nicolai)."""
    variants = [key.replace("x", "h"), _SOFT_I.sub("", key), key.replace("s", "z"), key.replace("c", "k")]
    variants.append(_SOFT_I.sub("", variants[0]))
    return [v for v in variants if v != key]


@cache
def given_groups(key: str) -> tuple[str, ...]:
    """The name groups of a given-name key (or of a spelling variant of it); () if the name is not in the table."""
    groups = _index().groups_by_key
    found = groups.get(key)
    if found:
        return found
    for variant in _spelling_variants(key):
        found = groups.get(variant)
        if found:
            return found
    return ()


def is_given_name(key: str) -> bool:
    """Whether a key is a known given name (or diminutive), in any spelling variant."""
    return bool(given_groups(key))


def sex_of_groups(groups: tuple[str, ...]) -> Sex | None:
    """The sex all `groups` agree on, or None."""
    sexes = {_index().sex_by_group[g] for g in groups}
    return sexes.pop() if len(sexes) == 1 else None


_PATRONYMIC_SUFFIX = re.compile(r"(ovix|evix|iovix|ix|ovna|evna|ivna|ixna|inixna)$")
_FEMALE_SUFFIX = re.compile(r"(na)$")


@lru_cache(maxsize=1 << 16)
def patronymic_of(key: str) -> tuple[str | None, Sex | None]:
    """The father's name group and the implied sex of a patronymic key."""
    if not key:
        return None, None
    found = _index().patronymics.get(key)
    if found:
        return found
    match = _PATRONYMIC_SUFFIX.search(key)
    if not match:
        return None, None
    sex: Sex = "f" if _FEMALE_SUFFIX.search(key) else "m"
    stem = key[: match.start()]
    for candidate in (stem, stem + "a", stem + "o", stem + "i"):
        groups = given_groups(candidate)
        if groups:
            return groups[0], sex
    return None, sex


def looks_like_patronymic(key: str) -> bool:
    """Whether a key reads as a patronymic."""
    return patronymic_of(key)[1] is not None and not is_given_name(key)


@lru_cache(maxsize=1 << 16)
def looks_swapped(family_key: str, given_key: str) -> bool:
    """Whether family and given name seem exchanged: the family name is a known given name and the given is not."""
    return bool(family_key and given_key) and is_given_name(family_key) and not is_given_name(given_key)


def split_full_name(text: str, language: Language = "unknown") -> tuple[str, str, str]:
    """A whole name in one field as (family, given, patronymic) in the original spelling.

    Recognises "Family Given Patronymic" (the Russian and Ukrainian order), "Given Patronymic Family" and
    "Given Family"; the given name is the word found in the name table, the patronymic the word read as one.
    """
    words = text.split()
    if len(words) < 2:
        return text.strip(), "", ""
    keys = [name_key(w, language) for w in words]
    patronymic_like = [i for i, k in enumerate(keys) if looks_like_patronymic(k)]
    given_index = next((i for i, k in enumerate(keys) if is_given_name(k) and i not in patronymic_like), None)
    patronymic_index: int | None = None
    if given_index is not None and given_index + 1 in patronymic_like:
        # a patronymic follows the given name; a family name may itself end in -ович (Chabanovich)
        patronymic_index = given_index + 1
    elif patronymic_like:
        patronymic_index = patronymic_like[-1]
    if given_index is None:
        given_index = patronymic_index - 1 if patronymic_index else 1
    family = [w for i, w in enumerate(words) if i not in {given_index, patronymic_index}]
    given = words[given_index] if given_index is not None else ""
    patronymic = words[patronymic_index] if patronymic_index is not None else ""
    return " ".join(family), given, patronymic
