# ruff: noqa: RUF001
# (Cyrillic words are the data under test)
"""Statuses read from English, Ukrainian and Russian words, in every gender and number, and never guessed."""

from __future__ import annotations

import pytest

from mosty.detainees.statuses import STATUSES, recognise_status

CASES = [
    # English
    ("detained", "detained"),
    ("Arrested", "detained"),
    ("in custody", "in_custody"),
    ("IN_CUSTODY", "in_custody"),
    ("held in pre-trial detention", "in_custody"),
    ("sentenced", "sentenced"),
    ("convicted, 8 years", "sentenced"),
    ("released", "released"),
    ("freed", "released"),
    ("exchanged", "exchanged"),
    ("released in a prisoner exchange", "exchanged"),
    ("missing", "missing"),
    ("disappeared", "missing"),
    ("deceased", "deceased"),
    ("died in custody", "deceased"),
    ("unknown", "unknown"),
    # Ukrainian
    ("затриманий", "detained"),
    ("затримана", "detained"),
    ("Затримані", "detained"),
    ("заарештований", "detained"),
    ("засуджений", "sentenced"),
    ("засуджена до 10 років", "sentenced"),
    ("під вартою", "in_custody"),
    ("у полоні", "in_custody"),
    ("звільнений", "released"),
    ("звільнена", "released"),
    ("обмінений", "exchanged"),
    ("звільнений у межах обміну", "exchanged"),
    ("зниклий безвісти", "missing"),
    ("зникла безвісти", "missing"),
    ("помер", "deceased"),
    ("померла в колонії", "deceased"),
    ("загинув", "deceased"),
    ("невідомо", "unknown"),
    # Russian
    ("задержан", "detained"),
    ("задержана", "detained"),
    ("Задержанный", "detained"),
    ("осуждён", "sentenced"),
    ("осуждена", "sentenced"),
    ("осужден", "sentenced"),
    ("под стражей", "in_custody"),
    ("в СИЗО", "in_custody"),
    ("освобождён", "released"),
    ("освобождена", "released"),
    ("обменян", "exchanged"),
    ("обменяна", "exchanged"),
    ("пропал без вести", "missing"),
    ("пропала без вести", "missing"),
    ("умер", "deceased"),
    ("умерла", "deceased"),
    ("погиб", "deceased"),
    ("неизвестно", "unknown"),
    # several statuses: the furthest along the path wins
    ("задержан, затем осуждён", "sentenced"),
    ("arrested; later released", "released"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_statuses_in_three_languages(text: str, expected: str) -> None:
    assert recognise_status(text) == expected


def test_apostrophes_punctuation_and_case_do_not_matter() -> None:
    assert recognise_status("  ЗВІЛЬНЕНИЙ!  ") == "released"
    assert recognise_status("ув’язнений") == recognise_status("ув'язнений") == "in_custody"


@pytest.mark.parametrize("empty", ["", "   ", None, "—"])
def test_an_empty_cell_is_unknown(empty: str | None) -> None:
    assert recognise_status(empty) == "unknown"


@pytest.mark.parametrize("text", ["Kherson", "42", "Шевченко", "blue", "Тарас Шевченко"])
def test_a_text_that_names_no_status_is_not_guessed(text: str) -> None:
    assert recognise_status(text) is None


def test_every_code_reads_as_itself() -> None:
    for code in STATUSES:
        assert recognise_status(code) == code
