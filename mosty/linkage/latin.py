# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""Latin spellings of Slavic names folded into one canonical key, and a coarse skeleton for blocking.

The same surname reaches us as Shevchenko (English, and the Ukrainian and Russian passport systems),
Schewtschenko (German), Szewczenko (Polish), Chevtchenko (French) and Ševčenko (Czech and scholarly). `name_key`
maps all of them to one key by folding each habit into one symbol:

- ш ж ч щ, whatever their spelling (sh sch sz ch tch tsch cz zh ż ž š č ś ć and their doubles), become `x`;
  German and Polish also write х as ch, which therefore lands on `x` too: the price of the English habit.
- ц (ts tz, and the Polish and Czech c) becomes `c`; every transliteration writes к as k, so a c that is
  not part of ch, cz, tch or ck is ц (the few Latin names with a hard c, Victor, Nicolas, are in the name table).
- г/х (g h kh gh) become `h`: Ukrainian writes г as h, Russian as g, German х as ch or h.
- w is v, ou is u, ph is f, th is t, x is ks, q is k; j and y are i; a word-initial ie/ye/je is e.
- doubled letters are single, so -ий/-ій/-iy/-ij/-yj/-yi all end in i, and Анна, Anna and Ana agree.
- words are joined without spaces or hyphens (Abu-Ali, Abu Ali and Abuali agree).

The key is made of the letters a-z only, so DuckDB's byte-based string distances are character distances on it.
Two names with the same key are not thereby the same name (the key is lossy on purpose); the model weighs the
agreement with its own frequencies.

`skeleton` is coarser still: the first letter, then the consonants with voiced and voiceless pairs merged
(b p, d t, z s, v f), х with ш ж ч щ (German, Polish and Czech write х as ch) and ц with s, at most five
letters. It is for blocking only: two spellings of one name should share it
far more often than their keys agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIACRITICS = {
    "š": "sh", "ś": "sh", "ž": "zh", "ż": "zh", "ź": "zh", "č": "ch", "ć": "ch", "ř": "rzh", "ł": "l",
    "ß": "ss", "ü": "iu", "ě": "ie", "ø": "o", "æ": "e", "œ": "e", "ı": "i", "đ": "d", "ħ": "h",
}  # fmt: skip

_SEQUENCES = [
    ("tsch", "x"), ("sch", "x"), ("tch", "x"), ("dzh", "dx"), ("sh", "x"), ("ch", "x"), ("cz", "x"),
    ("sz", "x"), ("zh", "x"), ("zs", "x"), ("kh", "h"), ("gh", "h"), ("ts", "C"), ("tz", "C"), ("ph", "f"),
    ("th", "t"), ("ck", "k"), ("qu", "kv"), ("ou", "u"),
]  # fmt: skip
_SEQUENCE_RE = re.compile("|".join(re.escape(a) for a, _ in _SEQUENCES))
_SEQUENCE_MAP = dict(_SEQUENCES)
_SINGLES = str.maketrans({"g": "h", "w": "v", "q": "k", "j": "i", "y": "i"})
_NOT_LETTER_RE = re.compile(r"[^a-z]")
_DOUBLE_RE = re.compile(r"(.)\1+")
_VOWELS_RE = re.compile(r"[aeiou]")
_SKELETON_PAIRS = str.maketrans({"b": "p", "d": "t", "z": "s", "v": "f", "x": "h", "c": "s"})


def strip_diacritics(text: str) -> str:
    """Letters with diacritics spelled out (š as sh, ł as l, ü as iu), other marks dropped."""
    text = "".join(_DIACRITICS.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold_word(word: str) -> str:
    word = _SEQUENCE_RE.sub(lambda m: _SEQUENCE_MAP[m.group(0)], word)
    word = _DOUBLE_RE.sub(r"\1", word.replace("C", "c").translate(_SINGLES))
    if word.startswith("ie") and len(word) > 2:
        word = word[1:]
    return word


def latin_key(text: str) -> str:
    """The canonical key of a Latin-script text (any case, any diacritics); letters a-z only."""
    text = strip_diacritics(text.casefold())
    # a Latin x spells ks before folding; the x of the key means ш ж ч щ
    text = text.replace("x", "ks")
    words = [_fold_word(_NOT_LETTER_RE.sub("", w)) for w in re.split(r"[\s\-]+", text)]
    return _DOUBLE_RE.sub(r"\1", _NOT_LETTER_RE.sub("", "".join(words)))


@lru_cache(maxsize=1 << 16)
def skeleton(key: str) -> str:
    """A coarse blocking key of a canonical key: first letter, then consonants, pairs merged, five letters at most."""
    if not key:
        return ""
    rest = _VOWELS_RE.sub("", key[1:]).translate(_SKELETON_PAIRS)
    return _DOUBLE_RE.sub(r"\1", key[0].translate(_SKELETON_PAIRS) + rest)[:5]
