"""The importer's rules without Kafka: a closed code is never reused, re-imports are no-ops, stable ids."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.identity import (
    ImportLedger,
    RegistryImporter,
    event_id,
    plan_rows,
    read_registry,
    registry_files,
)
from connectors.identity.records import Action
from contracts import Envelope, EventData, encode

DECISION = {"decision_number": "1135/QĐ-UBND", "decision_date": "2025-07-01", "decision_issuer": "UBND tỉnh"}


def _row(action: str, code: str, name: str = "Đơn vị", **extra: Any) -> dict[str, Any]:
    return {"action": action, "code": code, "name": name, **DECISION, **extra}


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _plan(path: Path, ledger: ImportLedger | None = None) -> tuple[list[Any], int, list[Any]]:
    _, rows = read_registry(path)
    return plan_rows(path, rows, ledger or ImportLedger())


class MemorySink:
    def __init__(self) -> None:
        self.envelopes: list[Envelope[EventData]] = []

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[tuple[str, int, int]]:
        for envelope in envelopes:
            encode(envelope)
        self.envelopes += envelopes
        return [("t", 0, offset) for offset in range(len(envelopes))]


def test_reissuing_a_closed_code_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.jsonl",
        [
            _row("issue", "000.00.40.H14"),
            _row("close", "000.00.30.H14", successor="000.00.40.H14"),
            {**_row("issue", "000.00.30.H14"), "decision_number": "2001/QĐ-UBND"},
        ],
    )
    accepted, _, rejected = _plan(path)
    assert [item.action for item in accepted] == [Action.ISSUE, Action.CLOSE]
    (rejection,) = rejected
    assert (rejection.line, rejection.code) == (3, "000.00.30.H14")
    assert rejection.reason == (
        "code was closed by decision 1135/QĐ-UBND of 2025-07-01; a closed code is never reused"
    )
    assert str(rejection).startswith(f"{path}:3: 000.00.30.H14: code was closed")


def test_a_code_closed_in_an_earlier_import_stays_closed(tmp_path: Path) -> None:
    ledger = ImportLedger()
    accepted, _, _ = _plan(
        _write(tmp_path / "a.jsonl", [_row("close", "000.00.00.H45", successor="000.00.00.H15", level=1)])
    )
    for item in accepted:
        ledger.apply(item.action, item.event)
    ledger.save(tmp_path / "state.json")
    reloaded = ImportLedger.load(tmp_path / "state.json")
    later = _write(
        tmp_path / "b.jsonl",
        [
            {**_row("issue", "000.00.00.H45", level=1), "decision_number": "1/2026/QĐ-TTg"},
            {**_row("amend", "000.00.00.H45", level=1), "decision_number": "2/2026/QĐ-TTg"},
            _row("issue", "000.00.05.H45", parent="000.00.00.H45"),
            _row("close", "000.00.01.H10", successor="000.00.00.H45"),
        ],
    )
    accepted, _, rejected = _plan(later, reloaded)
    assert accepted == []
    assert [rejection.reason.split(";")[0] for rejection in rejected] == [
        "code was closed by decision 1135/QĐ-UBND of 2025-07-01",
        "code is closed (decision 1135/QĐ-UBND of 2025-07-01)",
        "parent 000.00.00.H45 is closed (decision 1135/QĐ-UBND of 2025-07-01)",
        "successor 000.00.00.H45 is closed (decision 1135/QĐ-UBND of 2025-07-01)",
    ]
    assert rejected[2].reason.endswith("name its successor 000.00.00.H15")


def test_issuing_twice_and_closing_twice_are_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.jsonl",
        [
            _row("issue", "000.00.01.H14"),
            {**_row("issue", "000.00.01.H14"), "decision_number": "9/QĐ-UBND"},
            _row("close", "000.00.31.H14", successor="000.00.01.H14"),
            {**_row("close", "000.00.31.H14", successor="000.00.01.H14"), "decision_number": "9/QĐ-UBND"},
            _row("amend", "000.00.01.H14", name="Văn phòng mới"),
        ],
    )
    accepted, _, rejected = _plan(path)
    assert [(item.line, item.action) for item in accepted] == [(1, "issue"), (3, "close"), (5, "amend")]
    assert [(rejection.line, rejection.reason.split(" (")[0].split(" by")[0]) for rejection in rejected] == [
        (2, "code is already issued"),
        (4, "code is already closed"),
    ]


def test_same_decision_again_is_skipped_and_changed_content_rejected(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", [_row("issue", "000.00.01.H14", name="Tên cũ")])
    ledger = ImportLedger()
    accepted, _, _ = _plan(first)
    ledger.apply(accepted[0].action, accepted[0].event)
    again = _write(tmp_path / "b.jsonl", [_row("issue", "000.00.01.H14", name="Tên cũ")])
    assert _plan(again, ledger)[:2] == ([], 1)
    changed = _write(tmp_path / "c.jsonl", [_row("issue", "000.00.01.H14", name="Tên mới")])
    accepted, already, (rejection,) = _plan(changed, ledger)
    assert (accepted, already) == ([], 0)
    assert "imported before with other content; a change needs a new decision" in rejection.reason


def test_event_ids_come_from_code_action_and_decision() -> None:
    one = event_id("000.00.01.H14", Action.ISSUE, "1135/QĐ-UBND")
    assert one == event_id("000.00.01.H14", Action.ISSUE, "1135/QĐ-UBND")
    assert len({one, event_id("000.00.01.H14", Action.AMEND, "1135/QĐ-UBND"),
                event_id("000.00.02.H14", Action.ISSUE, "1135/QĐ-UBND"),
                event_id("000.00.01.H14", Action.ISSUE, "1136/QĐ-UBND")}) == 4  # fmt: skip


async def test_importer_publishes_once_and_skips_an_unchanged_file(tmp_path: Path) -> None:
    sink = MemorySink()
    importer = RegistryImporter(sink, tmp_path / "state.json", source="urn:test")
    files = registry_files("cao-bang")
    reports = await importer.import_files(files)
    assert [report.published_total for report in reports] == [142, 10]
    assert len(sink.envelopes) == 152
    first = sink.envelopes[0]
    assert (first.subject, first.source, first.time.isoformat()) == (
        "000.00.00.H14",
        "urn:test",
        "2020-07-22T00:00:00+07:00",
    )
    assert first.id == event_id("000.00.00.H14", Action.ISSUE, "20/2020/QĐ-TTg")
    again = await RegistryImporter(sink, tmp_path / "state.json", source="urn:test").import_files(files)
    assert [report.unchanged for report in again] == [True, True]
    assert len(sink.envelopes) == 152


async def test_a_changed_file_publishes_only_its_new_decisions(tmp_path: Path) -> None:
    sink = MemorySink()
    source = registry_files("cao-bang")[0]
    copy = tmp_path / "cao-bang.jsonl"
    copy.write_bytes(source.read_bytes())
    await RegistryImporter(sink, tmp_path / "state.json", source="urn:test").import_files([copy])
    rename = _row("amend", "000.00.13.H14", name="Thanh tra tỉnh Cao Bằng (mới)", parent="000.00.00.H14")
    with copy.open("a", encoding="utf-8") as out:
        out.write(json.dumps({**rename, "decision_number": "1500/QĐ-UBND"}, ensure_ascii=False) + "\n")
    (report,) = await RegistryImporter(sink, tmp_path / "state.json", source="urn:test").import_files([copy])
    assert (report.published_total, report.already_imported, report.rejected) == (1, 142, [])
    assert len(sink.envelopes) == 143


async def test_dry_run_publishes_and_remembers_nothing(tmp_path: Path) -> None:
    reports = await RegistryImporter(None, tmp_path / "state.json", source="urn:test").import_files(
        [path for province in ("dak-lak", "lam-dong") for path in registry_files(province)]
    )
    assert [report.published_total for report in reports] == [63, 19, 63, 38]
    assert not (tmp_path / "state.json").exists()


@pytest.mark.parametrize("content", ['{"format": 9}', "not json", '{"format": 1}'])
def test_an_unreadable_state_file_is_an_error(tmp_path: Path, content: str) -> None:
    from connectors.errors import RegistryError  # noqa: PLC0415

    (tmp_path / "state.json").write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match="unreadable import state"):
        ImportLedger.load(tmp_path / "state.json")


def test_cli_dry_run_reports_rejected_rows_with_line_numbers(tmp_path: Path) -> None:
    """``import --dry-run``: a summary per file on stdout, ``file:line: code: reason`` on stderr, exit 1."""
    from click.testing import CliRunner  # noqa: PLC0415 - only this test drives the command line

    from deploy.cli.connector_identity import identity_connector  # noqa: PLC0415

    bad = _write(tmp_path / "bad.jsonl", [{**_row("issue", "000.00.30.H14"), "decision_number": "7/QĐ-UBND"}])
    result = CliRunner().invoke(
        identity_connector,
        ["import", "--province", "cao-bang", str(bad), "--dry-run", "--state-file", str(tmp_path / "s.json")],
    )
    assert result.exit_code == 1
    assert "cao-bang.jsonl: would publish 2 amend, 140 issue; 0 already imported; 0 rejected" in result.stdout
    assert f"rejected: {bad}:1: 000.00.30.H14: code was closed by decision 1136/QĐ-UBND" in result.stderr
    assert not (tmp_path / "s.json").exists()
