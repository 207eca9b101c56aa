# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""Unicode clean-up, homoglyph folding, script and language detection for names.

Promises:
- `clean` applies NFKC and casefold, drops marks of stress and apostrophes, and keeps letters, digits and single
  spaces between words; it never raises.
- `fold_homoglyphs` repairs words typed with a mixed keyboard: Latin look-alike letters inside a mostly Cyrillic
  word become Cyrillic, and Cyrillic look-alikes inside a mostly Latin word become Latin. Words of one script
  are returned unchanged. It must run before casefolding, because the look-alike pairs differ by case
  (Latin `B` looks like Cyrillic `В`, lower-case `b` does not look like `в`).
- `script_of` says whether a text is Cyrillic, Latin, mixed, other or empty.
- `language_of` tells Ukrainian from Russian by the letters only one of them has (і ї є ґ and the apostrophe
  for Ukrainian; ы э ъ ё for Russian); it answers "unknown" when a text has neither.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Script = Literal["cyrillic", "latin", "mixed", "other", "empty"]
Language = Literal["uk", "ru", "unknown"]

# Pairs that look the same in common fonts. Upper case first: a capital B is a Cyrillic Ve lookalike, a small b
# is not.
_LATIN_TO_CYRILLIC = {
    "A": "А", "a": "а", "B": "В", "C": "С", "c": "с", "E": "Е", "e": "е", "H": "Н", "I": "І", "i": "і",
    "K": "К", "M": "М", "O": "О", "o": "о", "P": "Р", "p": "р", "T": "Т", "X": "Х", "x": "х", "y": "у",
    "Y": "У",
}  # fmt: skip
_CYRILLIC_TO_LATIN = {v: k for k, v in _LATIN_TO_CYRILLIC.items()} | {"У": "Y", "у": "y", "к": "k", "К": "K"}

_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъё")
_APOSTROPHES = "'’ʼ`´‘ʹ"
_STRESS_MARKS = {"\u0301", "\u0300"}


def _letter_script(char: str) -> str:
    if not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    if name.startswith("LATIN"):
        return "latin"
    return "other"


def script_of(text: str) -> Script:
    """The script of the letters in `text`: one of cyrillic, latin, mixed, other, empty."""
    scripts = {_letter_script(c) for c in text} - {""}
    if not scripts:
        return "empty"
    if len(scripts) > 1:
        return "mixed"
    return scripts.pop()  # type: ignore[return-value]


def fold_homoglyphs(text: str) -> str:
    """Each word's look-alike letters moved into the script that most of its letters are in."""
    return " ".join(_fold_word(word) for word in text.split(" "))


def _fold_word(word: str) -> str:
    cyrillic = sum(1 for c in word if _letter_script(c) == "cyrillic")
    latin = sum(1 for c in word if _letter_script(c) == "latin")
    if cyrillic and latin:
        if cyrillic >= latin:
            return "".join(_LATIN_TO_CYRILLIC.get(c, c) for c in word)
        return "".join(_CYRILLIC_TO_LATIN.get(c, c) for c in word)
    return word


def clean(text: str | None) -> str:
    """NFKC, homoglyphs folded, casefolded; apostrophes and stress marks gone; other punctuation made a space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if c not in _STRESS_MARKS)
    text = unicodedata.normalize("NFC", text)
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    text = fold_homoglyphs(text)
    text = text.casefold()
    out = [c if (c.isalnum() or c == " ") else " " for c in text]
    return " ".join("".join(out).split())


def language_of(text: str) -> Language:
    """Ukrainian or Russian by letters only one of them uses; unknown if the text has neither or both."""
    letters = set(text.casefold())
    uk = bool(letters & _UKRAINIAN_ONLY) or any(a in text for a in _APOSTROPHES)
    ru = bool(letters & _RUSSIAN_ONLY)
    if uk and not ru:
        return "uk"
    if ru and not uk:
        return "ru"
    return "unknown"
