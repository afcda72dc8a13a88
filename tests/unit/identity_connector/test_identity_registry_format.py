"""The registry file format: JSON Lines and CSV, line numbers, and what makes a row or a file unreadable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.errors import RegistryError
from connectors.identity import FIELDS, read_registry
from connectors.identity.records import Action, RowProblemError, event_of
from contracts import AgencyCodeClosed, AgencyCodeIssued

ISSUE = {
    "action": "issue",
    "code": "000.00.01.H14",
    "name": "Văn phòng Ủy ban nhân dân tỉnh Cao Bằng",
    "parent": "000.00.00.H14",
    "address": "phường Thục Phán, tỉnh Cao Bằng",
    "decision_number": "1135/QĐ-UBND",
    "decision_date": "2025-07-01",
    "decision_issuer": "Ủy ban nhân dân tỉnh Cao Bằng",
}


def test_jsonl_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(f"{json.dumps(ISSUE)}\n\n{{broken\n[1]\n", encoding="utf-8")
    _, rows = read_registry(path)
    assert [row.line for row in rows] == [1, 3, 4]
    action, event = event_of(rows[0].fields)
    assert (action, type(event), event.level) == (Action.ISSUE, AgencyCodeIssued, 2)
    for row, problem in zip(rows[1:], ("not valid JSON", "not a JSON object"), strict=True):
        with pytest.raises(RowProblemError, match=problem):
            event_of(row.fields)


def test_csv_has_the_same_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    closing = {**ISSUE, "action": "close", "code": "000.00.30.H14", "successor": "000.00.40.H14"}
    closing["name"] = "Ủy ban nhân dân thành phố Cao Bằng"
    lines = [",".join(FIELDS)]
    for row in (ISSUE, closing):
        lines.append(",".join(f'"{row.get(name, "")}"' for name in FIELDS))
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    _, rows = read_registry(path)
    assert [row.line for row in rows] == [2, 3]
    action, event = event_of(rows[1].fields)
    assert action is Action.CLOSE
    assert isinstance(event, AgencyCodeClosed)
    assert event.successor_code == "000.00.40.H14"


def test_decomposed_vietnamese_is_normalised(tmp_path: Path) -> None:
    import unicodedata  # noqa: PLC0415 - only this test needs it

    decomposed = unicodedata.normalize("NFD", ISSUE["name"])
    _, event = event_of({**ISSUE, "name": decomposed})
    assert event.name == ISSUE["name"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"action": "open"}, "action must be issue, amend or close"),
        ({"code": "000.00.1.H14"}, "level-2 part must be two digits"),
        ({"level": 3}, "level 3 does not match"),
        ({"level": "hai"}, "level must be a whole number"),
        ({"decision_date": "01/07/2025"}, "decision.date"),
        ({"successor": "000.00.02.H14"}, "successor is only for close"),
        ({"action": "close"}, "a close needs a successor"),
        ({"kind": "x"}, "unknown fields: kind"),
        ({"name": " "}, "name: text must not be empty"),
    ],
)
def test_row_problems_say_what_is_wrong(change: dict[str, object], problem: str) -> None:
    with pytest.raises(RowProblemError, match=problem):
        event_of({**ISSUE, **change})


def test_missing_fields_are_named() -> None:
    fields = {key: value for key, value in ISSUE.items() if key not in ("decision_number", "name")}
    with pytest.raises(RowProblemError, match="missing fields: name, decision_number"):
        event_of(fields)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("r.txt", b"{}", "unknown registry format"),
        ("r.jsonl", b"\xff\xfe{", "not UTF-8"),
        ("r.csv", b"action,code,colour\n", "unknown columns colour"),
        ("r.csv", b"", "no header row"),
    ],
)
def test_unreadable_files_raise(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=problem):
        read_registry(path)


def test_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        read_registry(tmp_path / "absent.jsonl")
