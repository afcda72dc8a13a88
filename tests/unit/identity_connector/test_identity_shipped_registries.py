"""The shipped registries: counts the press reported, every code valid, closures routed to issued codes."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from connectors.identity import PROVINCE_REGISTRIES, read_registry, registry_files
from connectors.identity.records import event_of
from connectors.identity.registry_builder import REGISTRY_DIR, build_registries
from contracts.codes import agency_level

ALL_FILES = sorted(path for province in PROVINCE_REGISTRIES for path in registry_files(province))


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _issued(province: str) -> set[str]:
    return {row["code"] for row in _rows(registry_files(province)[0]) if row["action"] == "issue"}


def test_cao_bang_has_exactly_140_codes() -> None:
    """22 provincial units, their 61 sub-units, 56 communes and wards, and the People's Committee: 140."""
    rows = _rows(REGISTRY_DIR / "cao-bang.jsonl")
    codes = {row["code"] for row in rows}
    assert len(codes) == 140
    assert codes == _issued("cao-bang")
    levels = Counter(agency_level(code) for code in codes)
    assert levels == {1: 1, 2: 22 + 56, 3: 61}
    localities = [
        row for row in rows if row["name"].startswith(("Ủy ban nhân dân xã", "Ủy ban nhân dân phường"))
    ]
    assert len(localities) == 56
    assert sum(row["name"].startswith("Ủy ban nhân dân phường") for row in localities) == 3


def test_dong_nai_has_97_agencies_with_codes() -> None:
    assert len(_issued("dong-nai")) == 97


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: path.name)
def test_every_row_is_a_valid_decision(path: Path) -> None:
    """Each row becomes a contract event: codes, levels, parents, decisions and successors all validate."""
    _, rows = read_registry(path)
    assert rows
    for row in rows:
        event_of(row.fields)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: path.name)
def test_text_is_nfc_and_dated_by_the_reform(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    for row in _rows(path):
        if row["action"] != "issue" or row.get("level") != 1:
            assert row["decision_date"].startswith(("2025-06", "2025-07", "2025-08")), row


def test_every_closed_code_has_an_issued_successor() -> None:
    """Closures name a successor that a shipped registry issues (and that is not itself closed)."""
    issued = set().union(*(_issued(province) for province in PROVINCE_REGISTRIES))
    closures = [row for path in ALL_FILES for row in _rows(path) if row["action"] == "close"]
    closed = {row["code"] for row in closures}
    assert len(closures) == 10 + 19 + 19 + 38
    for row in closures:
        assert row["successor"] in issued, row
        assert row["successor"] not in closed
    assert not closed & issued  # a closed code is never issued again


def test_merged_provinces_close_the_old_level_1_codes() -> None:
    """Decision 09/2025/QĐ-TTg: the merged province keeps the code of the one whose name it takes."""
    level_1 = {
        row["code"]: row
        for path in ALL_FILES
        for row in _rows(path)
        if row["action"] == "close" and row["level"] == 1
    }
    assert {code: row["successor"] for code, row in level_1.items()} == {
        "000.00.00.H45": "000.00.00.H15",
        "000.00.00.H10": "000.00.00.H19",
        "000.00.00.H16": "000.00.00.H36",
        "000.00.00.H11": "000.00.00.H36",
    }
    assert {row["decision_number"] for row in level_1.values()} == {"09/2025/QĐ-TTg"}


def test_cao_bang_districts_close_into_communes() -> None:
    closures = _rows(REGISTRY_DIR / "cao-bang-closures.jsonl")
    communes = {row["code"]: row["name"] for row in _rows(REGISTRY_DIR / "cao-bang.jsonl")}
    assert len(closures) == 10
    for row in closures:
        assert row["name"].startswith(("Ủy ban nhân dân huyện", "Ủy ban nhân dân thành phố"))
        assert communes[row["successor"]].startswith(("Ủy ban nhân dân xã", "Ủy ban nhân dân phường"))


def test_registries_are_what_the_builder_generates() -> None:
    """The committed files are reproducible: ``python -m connectors.identity.registry_builder`` gives them."""
    built = build_registries()
    assert sorted(built) == sorted(path.name for path in REGISTRY_DIR.glob("*.jsonl"))
    for name, content in built.items():
        assert (REGISTRY_DIR / name).read_text(encoding="utf-8") == content, name
