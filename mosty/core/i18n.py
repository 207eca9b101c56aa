"""Compile translation catalogues (.po -> .mo) with Babel, so a fresh machine needs no GNU gettext.

`.mo` files are build products (gitignored): `mosty manage compilemessages`, `mosty demo` and the test suite
build them from the committed `.po` files. A catalogue whose translations break a placeholder (`%(name)s`
missing or renamed) is refused, because such a string would crash the page that renders it, in one language
only, where nobody looked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


class TranslationCatalogError(Exception):
    """A `.po` file cannot be read, or a translation does not match its message's placeholders."""


def default_locale_dirs() -> list[Path]:
    """The project's catalogues: settings.LOCALE_PATHS (mosty/locale), or that folder if Django is not set up."""
    from django.conf import settings

    if settings.configured:
        return [Path(p) for p in settings.LOCALE_PATHS]
    return [Path(__file__).resolve().parent.parent / "locale"]


def po_files(locale_dirs: Iterable[Path] | None = None, *, locales: Iterable[str] | None = None) -> Iterator[Path]:
    """Every `<dir>/<locale>/LC_MESSAGES/*.po`, in a stable order, optionally only for some locales."""
    wanted = set(locales) if locales else None
    for base in locale_dirs if locale_dirs is not None else default_locale_dirs():
        for po in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
            if wanted is None or po.parent.parent.name in wanted:
                yield po


def _needs_compiling(po: Path, mo: Path) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_po(po: Path, *, use_fuzzy: bool = False) -> Path:
    """Compile one `.po` file to the `.mo` beside it; the `.mo` is replaced atomically (parallel test runs)."""
    mo = po.with_suffix(".mo")
    locale = po.parent.parent.name
    try:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=po.stem, abort_invalid=True)
    except Exception as exc:  # babel raises several types for malformed files
        raise TranslationCatalogError(f"{po}: cannot be read: {exc}") from exc
    problems = [
        f"{po}:{message.lineno}: {message.id!r}: {error}"
        for message, errors in catalog.check()
        for error in errors
        if use_fuzzy or not message.fuzzy
    ]
    if problems:
        raise TranslationCatalogError("\n".join(problems))
    fd, tmp_name = tempfile.mkstemp(dir=po.parent, prefix=f".{po.stem}-", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=use_fuzzy)
        os.replace(tmp_name, mo)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return mo


def compile_messages(
    *,
    locale_dirs: Iterable[Path] | None = None,
    locales: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    use_fuzzy: bool = False,
    force: bool = False,
) -> int:
    """Compile every catalogue whose `.mo` is missing or older than its `.po`; return how many were written."""
    excluded = set(exclude)
    written = 0
    for po in po_files(locale_dirs, locales=locales):
        if po.parent.parent.name in excluded:
            continue
        if force or _needs_compiling(po, po.with_suffix(".mo")):
            compile_po(po, use_fuzzy=use_fuzzy)
            written += 1
    return written
