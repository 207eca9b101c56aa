"""Translations: every catalogue complete and safe to render, compiled without GNU gettext, and the language
switch refusing what it does not know.

A translation that drops or renames a placeholder crashes the page in that language only, where nobody
looked; an untranslated or fuzzy entry shows English (or a wrong guess) to someone who may not read it.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from mosty.core.i18n import TranslationCatalogError, compile_messages, po_files

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# %(name)s, %s, %d ... (not %%), and {name} / {0} / {} for str.format.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0 +-]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrs%])")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(?P<field>[A-Za-z_0-9]*)(?:[!:][^{}]*)?\}(?!\})")


def _read(po: Path) -> Catalog:
    with po.open("rb") as handle:
        return read_po(handle, locale=po.parent.parent.name)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _messages(po: Path) -> list[Message]:
    return [message for message in _read(po) if message.id]


def _percent(text: str) -> tuple[list[str], list[str]]:
    named: list[str] = []
    positional: list[str] = []
    for match in PERCENT_PLACEHOLDER.finditer(text):
        if match["type"] == "%":
            continue
        (named if match["name"] else positional).append(match["name"] or match["type"])
    return sorted(named), positional


def _brace(text: str) -> list[str]:
    return sorted(match["field"] for match in BRACE_PLACEHOLDER.finditer(text))


def test_every_translated_language_has_a_catalogue() -> None:
    for code in TRANSLATED_LANGUAGES:
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").is_file(), code


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_catalogue_is_complete_and_not_fuzzy(po: Path) -> None:
    catalog = _read(po)
    assert not catalog.fuzzy, "the header is still marked fuzzy"
    assert catalog.num_plurals == 3, "Ukrainian and Russian have three plural forms"
    untranslated = [m.id for m in catalog if m.id and not all(_forms(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{po}: untranslated entries"
    assert fuzzy == [], f"{po}: fuzzy entries (check them, then remove the flag)"
    assert len([m for m in catalog if m.id]) > 50


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_placeholders_match_between_msgid_and_msgstr(po: Path) -> None:
    catalog = _read(po)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = _forms(message.id)
        strings = _forms(message.string)
        if message.pluralizable:
            assert len(strings) == catalog.num_plurals, f"{message.id!r}: wrong number of plural forms"
        # Every plural form is checked against the plural msgid (it names the same placeholders).
        source = ids[-1]
        if "python-format" in message.flags or "%(" in source:
            for string in strings:
                if _percent(string) != _percent(source):
                    problems.append((message.id, string))
        for string in strings:
            if _brace(string) != _brace(source):
                problems.append((message.id, string))
    assert problems == [], f"{po}: placeholders differ"
    assert [error for _message, errors in catalog.check() for error in errors] == []


def test_placeholder_parser_sees_the_difference() -> None:
    assert _percent("%(count)s left") != _percent("%(cout)s left")
    assert _percent("100%% done, %(n)d") == _percent("%(n)d готово на 100%%")
    assert _brace("{name} and {{literal}}") == ["name"]


@pytest.fixture
def locale_copy(tmp_path: Path) -> Path:
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_compile_messages_builds_mo_files_only_when_needed(locale_copy: Path) -> None:
    written = compile_messages(locale_dirs=[locale_copy])
    assert written == len(PO_FILES) >= 2
    for po in po_files([locale_copy]):
        mo = po.with_suffix(".mo")
        assert mo.is_file()
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)
        assert catalog.gettext("Quick exit") != "Quick exit"
        # The three-form plural formula was carried over: 1, 21 -> one; 3, 22 -> few; 5, 11, 12 -> many.
        assert [catalog.plural(n) for n in (1, 21, 3, 22, 5, 11, 12)] == [0, 0, 1, 1, 2, 2, 2]  # type: ignore[attr-defined]

    assert compile_messages(locale_dirs=[locale_copy]) == 0, "up-to-date catalogues are not rewritten"

    uk_po = locale_copy / "uk" / "LC_MESSAGES" / "django.po"
    mo_mtime = uk_po.with_suffix(".mo").stat().st_mtime
    os.utime(uk_po, (mo_mtime + 10, mo_mtime + 10))
    assert compile_messages(locale_dirs=[locale_copy]) == 1
    assert compile_messages(locale_dirs=[locale_copy], force=True) == len(PO_FILES)


def test_compiled_catalogue_translates_into_ukrainian_and_russian(locale_copy: Path) -> None:
    compile_messages(locale_dirs=[locale_copy])
    uk = gettext.translation("django", localedir=locale_copy, languages=["uk"])
    ru = gettext.translation("django", localedir=locale_copy, languages=["ru"])
    assert uk.gettext("Quick exit") == "Швидкий вихід"
    assert ru.gettext("Quick exit") == "Быстрый выход"


def test_compile_messages_refuses_a_broken_placeholder(tmp_path: Path) -> None:
    po = tmp_path / "uk" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: uk\\n"\n\n'
        "#, python-format\n"
        'msgid "%(count)s codes are left."\n'
        'msgstr "Залишилось кодів: %(cuont)s."\n',
        encoding="utf-8",
    )
    with pytest.raises(TranslationCatalogError, match=r"cuont|placeholder|format"):
        compile_messages(locale_dirs=[tmp_path])
    assert not po.with_suffix(".mo").exists()


def test_compilemessages_command_needs_no_msgfmt(
    locale_copy: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LOCALE_PATHS = [locale_copy]
    monkeypatch.setenv("PATH", "")  # no msgfmt (nor anything else) can be found
    call_command("compilemessages", verbosity=0)
    assert sorted(p.parent.parent.name for p in locale_copy.glob("*/LC_MESSAGES/django.mo")) == sorted(
        TRANSLATED_LANGUAGES
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("uk", ["Швидкий вихід", "Мова", "Перейти до вмісту"]),
        ("ru", ["Быстрый выход", "Язык", "Перейти к содержимому"]),
    ],
)
def test_login_page_renders_in_the_language_of_the_cookie(client, code: str, expected: list[str]) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{code}"' in html
    for text in expected:
        assert text in html
    assert "Quick exit" not in html


@pytest.mark.django_db
def test_known_language_sets_the_cookie(client) -> None:
    response = client.post(reverse("core:set_language"), {"language": "uk", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]
    assert "Швидкий вихід" in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_language_switch_never_redirects_off_site(client) -> None:
    response = client.post(reverse("core:set_language"), {"language": "ru", "next": "https://attacker.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["xx", "", "de", "uk' onmouseover='x", "en-us-extra"])
def test_unknown_language_is_refused_and_changes_nothing(client, code: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post(reverse("core:set_language"), {"language": code, "next": "/"})
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert b'data-error-code="unknown_language"' in response.content


@pytest.mark.django_db
def test_language_switch_refuses_get(client) -> None:
    response = client.get(reverse("core:set_language"), {"language": "uk"})
    assert response.status_code == 405
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
