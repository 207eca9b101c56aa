# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""A detained person's status, read from the words lists use in English, Ukrainian and Russian.

`recognise_status(text)` promises one of `STATUSES` for any text it can read, "unknown" for an empty cell or an
explicit "unknown" (невідомо, неизвестно), and None for a text it cannot read (the import reports that line).
It never guesses from a text that names no status.

How: the text is cleaned (NFKC, case-folded, ё as е, apostrophes and punctuation dropped), compared whole with
a table of phrases and codes, then word by word with stems, so that every gender and number of a participle
reads alike (затриманий, затримана, затримані; задержан, задержана, задержанный). When a text names several
statuses, the furthest along a detained person's path wins: a person "released in an exchange" was exchanged,
"detained, then sentenced" is sentenced, and "died in custody" is deceased.

Not handled: negations ("не звільнений") and statuses in other languages; such texts are either read by their
status word or reported as unreadable, never silently mapped to a different status.
"""

from __future__ import annotations

import re
import unicodedata

DETAINED = "detained"
SENTENCED = "sentenced"
IN_CUSTODY = "in_custody"
RELEASED = "released"
EXCHANGED = "exchanged"
MISSING = "missing"
DECEASED = "deceased"
UNKNOWN = "unknown"

STATUSES = (DETAINED, SENTENCED, IN_CUSTODY, RELEASED, EXCHANGED, MISSING, DECEASED, UNKNOWN)

# When a text names several statuses, the first of these wins (furthest along the path).
PRIORITY = (DECEASED, EXCHANGED, RELEASED, SENTENCED, IN_CUSTODY, DETAINED, MISSING, UNKNOWN)

# Whole texts (after cleaning) that are read as they are.
PHRASES: dict[str, str] = {
    # our own codes, and the ways a spreadsheet writes them
    "detained": DETAINED,
    "sentenced": SENTENCED,
    "in custody": IN_CUSTODY,
    "in_custody": IN_CUSTODY,
    "in-custody": IN_CUSTODY,
    "incustody": IN_CUSTODY,
    "released": RELEASED,
    "exchanged": EXCHANGED,
    "missing": MISSING,
    "deceased": DECEASED,
    "unknown": UNKNOWN,
    # English
    "held": IN_CUSTODY,
    "in detention": IN_CUSTODY,
    "in prison": IN_CUSTODY,
    "in jail": IN_CUSTODY,
    "in captivity": IN_CUSTODY,
    "pre-trial detention": IN_CUSTODY,
    "missing person": MISSING,
    "whereabouts unknown": MISSING,
    "prisoner exchange": EXCHANGED,
    "n/a": UNKNOWN,
    "not known": UNKNOWN,
    # Ukrainian
    "під вартою": IN_CUSTODY,
    "під арештом": IN_CUSTODY,
    "у полоні": IN_CUSTODY,
    "в полоні": IN_CUSTODY,
    "в сізо": IN_CUSTODY,
    "у сізо": IN_CUSTODY,
    "у в'язниці": IN_CUSTODY,
    "в ув'язненні": IN_CUSTODY,
    "зниклий безвісти": MISSING,
    "зникла безвісти": MISSING,
    "зниклі безвісти": MISSING,
    "безвісти зниклий": MISSING,
    "місцеперебування невідоме": MISSING,
    "невідомо": UNKNOWN,
    "невідомий": UNKNOWN,
    "невідомий статус": UNKNOWN,
    "статус невідомий": UNKNOWN,
    # Russian
    "под стражей": IN_CUSTODY,
    "под арестом": IN_CUSTODY,
    "в плену": IN_CUSTODY,
    "в сизо": IN_CUSTODY,
    "в заключении": IN_CUSTODY,
    "в колонии": IN_CUSTODY,
    "пропал без вести": MISSING,
    "пропала без вести": MISSING,
    "пропавший без вести": MISSING,
    "пропавшая без вести": MISSING,
    "без вести пропавший": MISSING,
    "местонахождение неизвестно": MISSING,
    "неизвестно": UNKNOWN,
    "неизвестен": UNKNOWN,
    "статус неизвестен": UNKNOWN,
}

# Word stems, tried on each word of the text. Longer stems first where one is a prefix of another.
STEMS: tuple[tuple[str, str], ...] = (
    # deceased
    ("deceased", DECEASED), ("dead", DECEASED), ("died", DECEASED), ("killed", DECEASED),
    ("помер", DECEASED), ("загинув", DECEASED), ("загинул", DECEASED), ("загибел", DECEASED), ("смерт", DECEASED),
    ("умер", DECEASED), ("погиб", DECEASED), ("скончал", DECEASED),
    # exchanged
    ("exchange", EXCHANGED), ("swapped", EXCHANGED), ("swap", EXCHANGED),
    ("обмін", EXCHANGED), ("обмiн", EXCHANGED), ("обміня", EXCHANGED), ("обмен", EXCHANGED), ("обменя", EXCHANGED),
    # released
    ("released", RELEASED), ("release", RELEASED), ("freed", RELEASED), ("free", RELEASED), ("acquitted", RELEASED),
    ("звільн", RELEASED), ("вивільн", RELEASED), ("виправда", RELEASED), ("повернул", RELEASED),
    ("повернув", RELEASED), ("освобожд", RELEASED), ("освобожден", RELEASED), ("отпущен", RELEASED),
    ("вернул", RELEASED), ("оправда", RELEASED),
    # sentenced
    ("sentenced", SENTENCED), ("convicted", SENTENCED), ("sentence", SENTENCED),
    ("засудж", SENTENCED), ("вирок", SENTENCED), ("осужд", SENTENCED), ("осуждён", SENTENCED),
    ("приговор", SENTENCED),
    # in custody
    ("custody", IN_CUSTODY), ("held", IN_CUSTODY),
    ("imprisoned", IN_CUSTODY), ("incarcerated", IN_CUSTODY), ("captivity", IN_CUSTODY),
    ("ув'язн", IN_CUSTODY), ("увязн", IN_CUSTODY), ("полон", IN_CUSTODY), ("утриму", IN_CUSTODY),
    ("заключ", IN_CUSTODY), ("содерж", IN_CUSTODY), ("плен", IN_CUSTODY),
    # detained
    ("detained", DETAINED), ("detention", DETAINED), ("arrested", DETAINED), ("arrest", DETAINED),
    ("captured", DETAINED), ("abducted", DETAINED), ("kidnapped", DETAINED), ("taken", DETAINED),
    ("затрим", DETAINED), ("заарешт", DETAINED), ("арешт", DETAINED), ("викрад", DETAINED), ("захопл", DETAINED),
    ("задерж", DETAINED), ("арестов", DETAINED), ("похищ", DETAINED), ("схвач", DETAINED),
    # missing
    ("missing", MISSING), ("disappeared", MISSING), ("whereabouts", MISSING),
    ("зник", MISSING), ("безвіст", MISSING), ("пропа", MISSING), ("исчез", MISSING), ("безвест", MISSING),
    # unknown
    ("невідом", UNKNOWN), ("неизвест", UNKNOWN),
)  # fmt: skip

_APOSTROPHES = "'’ʼ`´‘ʹ"
_NOT_WORD = re.compile(r"[^\w\s'/_-]+")


def clean_status_text(text: str) -> str:
    """NFKC, case-folded, ё as е, one kind of apostrophe, punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def recognise_status(text: str | None) -> str | None:
    """The status a text names (see the module docstring): a code, "unknown" for an empty text, None if unreadable."""
    cleaned = clean_status_text(text or "")
    if not cleaned:
        return UNKNOWN
    if cleaned in PHRASES:
        return PHRASES[cleaned]
    found: set[str] = set()
    for word in re.split(r"[\s/_-]+", cleaned):
        bare = word.strip("'")
        if not bare:
            continue
        for stem, status in STEMS:
            if bare.startswith(stem.replace("ё", "е")):
                found.add(status)
                break
    for status in PRIORITY:
        if status in found:
            return status
    return None
