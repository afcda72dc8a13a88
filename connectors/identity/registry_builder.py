"""Building the shipped registries (``registries/*.jsonl``) from :mod:`connectors.identity.catalogue`.

``python -m connectors.identity.registry_builder`` rewrites them; ``--check`` only says whether the committed
files are what the catalogue gives (a test runs the same comparison), so the registries stay reproducible.

Each province has two files. ``<province>.jsonl`` issues the province's codes: its People's Committee
(level 1, Decision 20/2020/QĐ-TTg), the 22 provincial units (level 2, ``000.00.01``-``000.00.22``), Cao Bằng's
61 sub-units of those (level 3, ``000.SS.NN.H14``), and the communes and wards (level 2, from ``000.00.40`` in
Cao Bằng — 30-39 were its districts — and from ``000.00.23`` elsewhere), by the province's 2025 decision; Cao
Bằng's file also holds two later amendments. ``<province>-closures.jsonl`` closes what the 2025 reform ended:
Cao Bằng's ten district-level People's Committees (successor: the commune or ward at the district's seat), and
for the merged provinces the old provinces' level-1 codes (Decision 09/2025/QĐ-TTg; successor: the province
that kept its name) and their state bodies 01-18 (successor: the merged province's same unit).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from connectors.identity.catalogue import (
    CAO_BANG_DISTRICTS,
    CAO_BANG_SUB_UNITS,
    OLD_PROVINCES,
    PROVINCES,
    PROVINCIAL_UNITS,
    STATE_BODIES,
    Province,
)

__all__ = ["REGISTRY_DIR", "build_registries", "main"]

REGISTRY_DIR = Path(__file__).resolve().parent / "registries"

_LEVEL_1_DECISION = ("20/2020/QĐ-TTg", "2020-07-22", "Thủ tướng Chính phủ")
_MERGER_DECISION = ("09/2025/QĐ-TTg", "2025-06-30", "Thủ tướng Chính phủ")
_CAO_BANG_DISTRICT_CLOSURE = ("1136/QĐ-UBND", "2025-07-01")
_CAO_BANG_AMENDMENT = ("1420/QĐ-UBND", "2025-08-15")
_UNIT_CLOSURE_DATE = "2025-07-03"
_UNIT_CLOSURE_NUMBERS = {"dak-lak": "1711/QĐ-UBND", "dong-nai": "1725/QĐ-UBND", "lam-dong": "1618/QĐ-UBND"}
_CAO_BANG_DISTRICT_BASE = 30


def _code(level_1: str, unit: int = 0, sub: int = 0) -> str:
    return f"000.{sub:02d}.{unit:02d}.{level_1}"


def _record(
    action: str, code: str, name: str, decision: tuple[str, str, str], **extra: Any
) -> dict[str, Any]:
    number, date, issuer = decision
    record: dict[str, Any] = {"action": action, "code": code, "name": name, **extra}
    record |= {"decision_number": number, "decision_date": date, "decision_issuer": issuer}
    return record


def _issuer(province: Province) -> str:
    return f"Ủy ban nhân dân tỉnh {province.name}"


def _unit_name(province: Province, number: int, province_name: str | None = None) -> str:
    if province_name is None and number in province.unit_names:
        return province.unit_names[number]
    return PROVINCIAL_UNITS[number - 1].format(p=province_name or province.name)


def _commune_start(province: Province) -> int:
    return _CAO_BANG_DISTRICT_BASE + len(CAO_BANG_DISTRICTS) if province.slug == "cao-bang" else 23


def _localities(province: Province) -> list[tuple[str, str]]:
    """(``xã``/``phường`` + name, code) of the communes and wards, wards first."""
    places = [f"phường {name}" for name in province.wards] + [f"xã {name}" for name in province.communes]
    start = _commune_start(province)
    return [(place, _code(province.level_1, start + index)) for index, place in enumerate(places)]


def _issues(province: Province) -> list[dict[str, Any]]:
    top = _code(province.level_1)
    decision = (*province.issuing_decision, _issuer(province))
    seat = f"phường {province.seat}, tỉnh {province.name}"
    records = [
        _record(
            "issue", top, f"Ủy ban nhân dân tỉnh {province.name}", _LEVEL_1_DECISION, level=1, address=seat
        )
    ]
    for number in range(1, len(PROVINCIAL_UNITS) + 1):
        unit = _code(province.level_1, number)
        name = _unit_name(province, number)
        records.append(_record("issue", unit, name, decision, parent=top, level=2, address=seat))
        if province.slug == "cao-bang":
            for sub, sub_name in enumerate(CAO_BANG_SUB_UNITS.get(number, ()), start=1):
                records.append(
                    _record(
                        "issue",
                        _code(province.level_1, number, sub),
                        f"{sub_name} thuộc {name}",
                        decision,
                        parent=unit,
                        level=3,
                        address=seat,
                    )
                )
    for place, code in _localities(province):
        address = f"{place}, tỉnh {province.name}"
        records.append(
            _record("issue", code, f"Ủy ban nhân dân {place}", decision, parent=top, level=2, address=address)
        )
    if province.slug == "cao-bang":
        records += _cao_bang_amendments(province)
    return records


def _cao_bang_amendments(province: Province) -> list[dict[str, Any]]:
    decision = (*_CAO_BANG_AMENDMENT, _issuer(province))
    top = _code(province.level_1)
    centre, rural = _code(province.level_1, 15), _code(province.level_1, 6)
    return [
        _record(
            "amend",
            centre,
            _unit_name(province, 15),
            decision,
            parent=top,
            level=2,
            address=f"Số 042 Kim Đồng, phường {province.seat}, tỉnh {province.name}",
        ),
        _record(
            "amend",
            _code(province.level_1, 6, 5),
            f"Chi cục Phát triển nông thôn và Kinh tế hợp tác thuộc {_unit_name(province, 6)}",
            decision,
            parent=rural,
            level=3,
            address=f"phường {province.seat}, tỉnh {province.name}",
        ),
    ]


def _closures(province: Province) -> list[dict[str, Any]]:
    top = _code(province.level_1)
    if province.slug == "cao-bang":
        successors = dict(_localities(province))
        decision = (*_CAO_BANG_DISTRICT_CLOSURE, _issuer(province))
        return [
            _record(
                "close",
                _code(province.level_1, _CAO_BANG_DISTRICT_BASE + index),
                f"Ủy ban nhân dân {district}",
                decision,
                parent=top,
                level=2,
                successor=successors[seat],
            )
            for index, (district, seat) in enumerate(CAO_BANG_DISTRICTS)
        ]
    records = []
    unit_decision = (_UNIT_CLOSURE_NUMBERS[province.slug], _UNIT_CLOSURE_DATE, _issuer(province))
    for old_level_1, old_name in OLD_PROVINCES[province.slug]:
        old_top = _code(old_level_1)
        for number in range(1, STATE_BODIES + 1):
            records.append(
                _record(
                    "close",
                    _code(old_level_1, number),
                    _unit_name(province, number, province_name=old_name),
                    unit_decision,
                    parent=old_top,
                    level=2,
                    successor=_code(province.level_1, number),
                )
            )
        records.append(
            _record(
                "close", old_top, f"Ủy ban nhân dân tỉnh {old_name}", _MERGER_DECISION, level=1, successor=top
            )
        )
    return records


def _jsonl(records: list[dict[str, Any]]) -> str:
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    return unicodedata.normalize("NFC", "\n".join(lines) + "\n")


def build_registries() -> dict[str, str]:
    """File name → content of every shipped registry."""
    files = {}
    for province in PROVINCES:
        files[f"{province.slug}.jsonl"] = _jsonl(_issues(province))
        files[f"{province.slug}-closures.jsonl"] = _jsonl(_closures(province))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the shipped agency-code registries.")
    parser.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    arguments = parser.parse_args(argv)
    stale = []
    for name, content in build_registries().items():
        path = REGISTRY_DIR / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        stale.append(name)
        if not arguments.check:
            path.write_text(content, encoding="utf-8")
    verb = "stale" if arguments.check else "rewritten"
    print(f"{verb}: {', '.join(stale)}" if stale else "registries up to date")
    return 1 if arguments.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
