"""The registry file format: one decision about one agency code per row, as JSON Lines or CSV.

Both forms carry the same flat fields (``README.md`` here has the table):

``action``            ``issue``, ``amend`` or ``close``
``code``              the agency identity code (``000.00.01.H14``, or the short form ``H14.01``)
``name``              the body's name after the decision (for ``close``: its name when closed)
``parent``            the code of the body it belongs to (optional; none at level 1)
``level``             1-4 (optional: derived from the code, and checked against it when given)
``address``           optional
``decision_number``   e.g. ``1135/QĐ-UBND``
``decision_date``     ``YYYY-MM-DD``
``decision_issuer``   e.g. ``Ủy ban nhân dân tỉnh Cao Bằng``
``successor``         ``close`` only, and required there: the code that takes over

JSON Lines (``.jsonl``): one JSON object per line, UTF-8; blank lines are skipped. CSV (``.csv``): UTF-8
(a byte-order mark is tolerated), comma-separated, a header row naming the fields; an empty cell is an absent
value. Unknown fields are an error (a misspelt column must not be silently dropped). Text is normalised to NFC
by the contracts. Row problems are reported with their line number; a file that cannot be read at all raises
:class:`~connectors.errors.RegistryError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from connectors.errors import RegistryError
from contracts.codes import agency_level
from contracts.events import AgencyCodeAmended, AgencyCodeClosed, AgencyCodeEvent, AgencyCodeIssued

__all__ = ["FIELDS", "Action", "RegistryRow", "RowProblemError", "event_of", "read_registry"]

FIELDS: tuple[str, ...] = (
    "action",
    "code",
    "name",
    "parent",
    "level",
    "address",
    "decision_number",
    "decision_date",
    "decision_issuer",
    "successor",
)
_REQUIRED = ("action", "code", "name", "decision_number", "decision_date", "decision_issuer")


class Action(StrEnum):
    ISSUE = "issue"
    AMEND = "amend"
    CLOSE = "close"


_EVENT_CLASS: dict[Action, type[AgencyCodeEvent]] = {
    Action.ISSUE: AgencyCodeIssued,
    Action.AMEND: AgencyCodeAmended,
    Action.CLOSE: AgencyCodeClosed,
}


class RowProblemError(ValueError):
    """What is wrong with one row; the message is shown to the operator next to the line number."""


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One row as read: where it is and its fields (absent values left out)."""

    path: Path
    line: int
    fields: Mapping[str, Any]


def _rows_jsonl(path: Path, text: str) -> Iterator[RegistryRow]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
        except json.JSONDecodeError as exc:
            fields = {"_problem": f"not valid JSON ({exc.msg} at column {exc.colno})"}
        if not isinstance(fields, dict):
            fields = {"_problem": "not a JSON object"}
        yield RegistryRow(path, line, {key: value for key, value in fields.items() if value is not None})


def _rows_csv(path: Path, text: str) -> Iterator[RegistryRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="_extra")
    unknown = sorted(set(reader.fieldnames or ()) - set(FIELDS))
    if reader.fieldnames is None or unknown:
        what = f"unknown columns {', '.join(unknown)}" if unknown else "no header row"
        raise RegistryError(f"{path}: {what}; the header must name fields among {', '.join(FIELDS)}")
    start = reader.line_num + 1
    for record in reader:
        fields: dict[str, Any] = {key: value for key, value in record.items() if value not in (None, "")}
        if "_extra" in fields:
            fields = {"_problem": "more cells than header columns"}
        yield RegistryRow(path, start, fields)
        start = reader.line_num + 1


def read_registry(path: Path) -> tuple[bytes, list[RegistryRow]]:
    """The file's bytes and its rows; :class:`RegistryError` if it cannot be read as a registry at all."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 (invalid byte at offset {exc.start})") from None
    if path.suffix.lower() == ".jsonl":
        return content, list(_rows_jsonl(path, text))
    if path.suffix.lower() == ".csv":
        return content, list(_rows_csv(path, text))
    raise RegistryError(f"{path}: unknown registry format; expected a .jsonl or .csv file")


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def _level(fields: Mapping[str, Any]) -> int:
    """The given level (an integer, or digits in CSV), else the code's own."""
    if "level" not in fields:
        try:
            return agency_level(str(fields["code"]))
        except ValueError as exc:
            raise RowProblemError(f"code: {exc}") from None
    value = fields["level"]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowProblemError("level must be a whole number from 1 to 4")
    return value


def event_of(fields: Mapping[str, Any]) -> tuple[Action, AgencyCodeEvent]:
    """The contract event a row stands for; :class:`RowProblemError` saying what is wrong otherwise."""
    if "_problem" in fields:
        raise RowProblemError(str(fields["_problem"]))
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise RowProblemError(f"unknown fields: {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if name not in fields]
    if missing:
        raise RowProblemError(f"missing fields: {', '.join(missing)}")
    try:
        action = Action(str(fields["action"]).strip().lower())
    except ValueError:
        raise RowProblemError("action must be issue, amend or close") from None
    if action is Action.CLOSE and "successor" not in fields:
        raise RowProblemError("a close needs a successor: a closed code must route somewhere")
    if action is not Action.CLOSE and "successor" in fields:
        raise RowProblemError(f"successor is only for close, not {action}")
    data: dict[str, Any] = {
        "code": fields["code"],
        "name": fields["name"],
        "parent_code": fields.get("parent"),
        "address": fields.get("address"),
        "decision": {
            "number": fields["decision_number"],
            "date": fields["decision_date"],
            "issuer": fields["decision_issuer"],
        },
    }
    if action is Action.CLOSE:
        data["successor_code"] = fields["successor"]
    data["level"] = _level(fields)
    try:
        return action, _EVENT_CLASS[action].model_validate(data)
    except ValidationError as exc:
        raise RowProblemError(_describe(exc)) from None
