"""`mosty link` through files: output, summary, errors with line numbers and exit codes, encodings."""

from __future__ import annotations

import csv
import json

import pytest

from mosty.cli import main as mosty_main
from mosty.linkage.cli import main
from mosty.linkage.evaluate import pairwise_scores
from mosty.linkage.records import RECORD_COLUMNS, write_csv
from mosty.linkage.synthetic import SOURCES, generate

HEADER = ",".join(RECORD_COLUMNS)


@pytest.fixture(scope="module")
def generated():
    return generate(40, seed=5)


@pytest.fixture(scope="module")
def lists(generated, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lists")
    paths = []
    for source in SOURCES:
        path = folder / f"{source}.csv"
        rows = [[getattr(r, c) for c in RECORD_COLUMNS] for r in generated.records if r.source == source]
        write_csv(path, RECORD_COLUMNS, rows)
        paths.append(path)
    return paths


def _read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_link_writes_one_row_per_record_and_a_summary(generated, lists, tmp_path, capsys):
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    code = main([*map(str, lists), "--output", str(out), "--summary", str(summary), "--samples", "50"])
    assert code == 0
    rows = _read(out)
    assert list(rows[0]) == ["source", "record_id", "person_id", "match_probability"]
    assert len(rows) == len(generated.records)
    predicted = {(r["source"], r["record_id"]): r["person_id"] for r in rows}
    assert pairwise_scores(predicted, generated.truth).f1 >= 0.95
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert report["records"] == len(generated.records)
    assert report["persons"]["low"] <= report["persons"]["expected"] <= report["persons"]["high"]
    assert {s["a"] for s in report["shared"]} <= set(SOURCES)
    err = capsys.readouterr().err
    assert "persons:" in err
    assert "scoring candidate pairs" in err


def test_the_mosty_command_dispatches_link_without_django(lists, tmp_path):
    out = tmp_path / "out.csv"
    assert mosty_main(["link", str(lists[0]), "--output", str(out), "--quiet", "--samples", "10"]) == 0
    assert out.exists()


def test_decisions_file_is_respected(lists, tmp_path):
    out = tmp_path / "out.csv"
    assert main([*map(str, lists), "--output", str(out), "--quiet", "--samples", "10"]) == 0
    rows = _read(out)
    by_person: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], []).append(row)
    a, b = next(members for members in by_person.values() if len(members) >= 2)[:2]
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "left_source,left_record_id,right_source,right_record_id,decision\n"
        f"{a['source']},{a['record_id']},{b['source']},{b['record_id']},different\n",
        encoding="utf-8",
    )
    out2 = tmp_path / "out2.csv"
    code = main([*map(str, lists), "--output", str(out2), "--decisions", str(decisions), "--quiet", "--samples", "10"])
    assert code == 0
    person = {(r["source"], r["record_id"]): r["person_id"] for r in _read(out2)}
    assert person[(a["source"], a["record_id"])] != person[(b["source"], b["record_id"])]


def test_missing_header_columns_fail_with_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("source,record_id,surname\nx,1,Шевченко\n", encoding="utf-8")
    assert main([str(bad), "--output", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1: missing header column(s): family_name, given_name" in err
    assert not (tmp_path / "out.csv").exists()


def test_duplicate_records_fail_with_both_lines(tmp_path, capsys):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text(f"{HEADER}\nx,1,Шевченко,Олександр,,,,,,,,\nx,2,Бойко,Ірина,,,,,,,,\n", encoding="utf-8")
    two.write_text(f"{HEADER}\nx,2,Бойко,Ірина,,,,,,,,\n", encoding="utf-8")
    assert main([str(one), str(two), "--output", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{two}:2: duplicate (source, record_id) (x, 2), first at {one}:3" in err


def test_bad_rows_unreadable_and_non_utf8_files_are_all_reported(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(f"{HEADER}\nx,1,Шевченко\nx,,Бойко,Ірина,,,,,,,,\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\nx,1,Müller,Jörg,,,,,,,,\n".encode("latin-1"))
    missing = tmp_path / "missing.csv"
    assert main([str(ragged), str(latin1), str(missing), "--output", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{ragged}:2: 3 cells, the header has 12" in err
    assert f"{ragged}:3: empty record_id" in err
    assert f"{latin1}: not UTF-8 text" in err
    assert f"{missing}: cannot be read" in err


def test_usage_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["in.csv"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--encode", "in.csv", "--output", str(tmp_path / "x.csv")])
    assert exc.value.code == 2
    assert "--encode needs --secret" in capsys.readouterr().err


def test_a_row_without_source_takes_the_file_name(tmp_path):
    path = tmp_path / "orgA.csv"
    path.write_text(
        "record_id,family_name,given_name\n1,Шевченко,Олександр\n2,Shevchenko,Oleksandr\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    assert main([str(path), "--output", str(out), "--quiet", "--samples", "10"]) == 0
    assert {r["source"] for r in _read(out)} == {"orgA"}


@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secrets")
    first, second = folder / "secret1", folder / "secret2"
    first.write_text("correct horse battery staple 2026\n", encoding="utf-8")
    second.write_text("another secret, not the first one\n", encoding="utf-8")
    return first, second


def test_encode_then_link_encodings(generated, lists, secrets, tmp_path):
    encoded = []
    for path in lists:
        target = tmp_path / f"{path.stem}.enc.csv"
        assert main(["--encode", "--secret", str(secrets[0]), str(path), "--output", str(target), "--quiet"]) == 0
        encoded.append(target)
    text = "\n".join(p.read_text(encoding="utf-8") for p in encoded).casefold()
    for record in generated.records:
        for value in (record.family_name, record.given_name, record.birth_place, record.birth_date):
            # a bare year can occur in hexadecimal by chance; every other value cannot
            if len(value) >= 4 and not all(c in "0123456789abcdef" for c in value.casefold()):
                assert value.casefold() not in text, "plaintext leaked into the encoded file"
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    code = main(["--encoded", *map(str, encoded), "--output", str(out), "--summary", str(summary), "--quiet"])
    assert code == 0
    predicted = {(r["source"], r["record_id"]): r["person_id"] for r in _read(out)}
    assert len(predicted) == len(generated.records)
    assert pairwise_scores(predicted, generated.truth).f1 >= 0.9
    assert json.loads(summary.read_text(encoding="utf-8"))["mode"] == "encoded"


def test_encodings_differ_under_different_secrets_and_do_not_mix(lists, secrets, tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["--encode", "--secret", str(secrets[0]), str(lists[0]), "--output", str(a), "--quiet"]) == 0
    assert main(["--encode", "--secret", str(secrets[1]), str(lists[0]), "--output", str(b), "--quiet"]) == 0
    rows_a, rows_b = _read(a), _read(b)
    assert [r["record_id"] for r in rows_a] == [r["record_id"] for r in rows_b]
    for row_a, row_b in zip(rows_a, rows_b, strict=True):
        assert row_a["family_key"] != row_b["family_key"]
        assert row_a["family_key_bf"] != row_b["family_key_bf"]
    assert main(["--encoded", str(a), str(b), "--output", str(tmp_path / "out.csv"), "--quiet"]) == 1
    assert "not encoded with one secret" in capsys.readouterr().err


def test_short_secret_and_plain_file_as_encoded_are_refused(lists, tmp_path, capsys):
    short = tmp_path / "short"
    short.write_text("abc", encoding="utf-8")
    assert main(["--encode", "--secret", str(short), str(lists[0]), "--output", str(tmp_path / "x.csv")]) == 1
    assert "at least 16 bytes" in capsys.readouterr().err
    assert main(["--encoded", str(lists[0]), "--output", str(tmp_path / "y.csv")]) == 1
    assert "not an encoded file" in capsys.readouterr().err
