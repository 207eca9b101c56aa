# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""Cyrillic to Latin transliteration by national standards.

Ukrainian follows the national system of the Cabinet of Ministers of Ukraine (KMU resolution 55 of 2010): the one
in Ukrainian passports, with its positional rules (є ї й ю я as ye yi y yu ya at the start of a word and as ie i
i iu ia inside it, зг as zgh, the apostrophe and the soft sign dropped). Russian follows ICAO Doc 9303 as used in
Russian passports since 2013 (ж zh, х kh, ц ts, щ shch, ъ ie, ы y, ё e, й i, ю iu, я ia).

We write these tables ourselves rather than depend on a package: each is a few dozen letters, both are fixed by
law, and the Latin-habit folding in `latin.py` needs to see exactly what they produce. (`iuliia` has the
Russian schemes but not the Ukrainian national one, so half the work would stay ours anyway.)

`transliterate(text, language)` promises: lower-case Latin letters, digits and spaces only for Cyrillic input;
letters of other scripts pass through unchanged. A word of unknown language is read as Ukrainian if it has a
Ukrainian-only letter, as Russian otherwise.
"""

from __future__ import annotations

from mosty.linkage.text import Language, language_of

_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
}  # fmt: skip

UKRAINIAN_KMU_2010 = _COMMON | {
    "г": "h", "ґ": "g", "и": "y", "і": "i", "ї": "i", "й": "i", "є": "ie", "ю": "iu", "я": "ia",
    # letters Ukrainian does not have, read as a Ukrainian speaker would write them
    "ы": "y", "э": "e", "ъ": "", "ё": "io",
}  # fmt: skip
_UKRAINIAN_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

RUSSIAN_ICAO_9303 = _COMMON | {
    "г": "g", "и": "i", "й": "i", "ё": "e", "ъ": "ie", "ы": "y", "э": "e", "ю": "iu", "я": "ia",
    # letters Russian does not have
    "і": "i", "ї": "i", "є": "e", "ґ": "g",
}  # fmt: skip


def transliterate(text: str, language: Language = "unknown") -> str:
    """`text` (already cleaned: lower case, words separated by single spaces) in Latin letters."""
    return " ".join(_word(word, language) for word in text.split(" "))


def _word(word: str, language: Language) -> str:
    if language == "unknown":
        language = "uk" if language_of(word) == "uk" else "ru"
    if language == "ru":
        return "".join(RUSSIAN_ICAO_9303.get(c, c) for c in word)
    out: list[str] = []
    previous = ""
    for index, char in enumerate(word):
        if index == 0 and char in _UKRAINIAN_WORD_START:
            out.append(_UKRAINIAN_WORD_START[char])
        elif char == "г" and previous == "з":
            out.append("gh")
        else:
            out.append(UKRAINIAN_KMU_2010.get(char, char))
        previous = char
    return "".join(out)
