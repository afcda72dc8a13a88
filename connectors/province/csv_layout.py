"""The flat CSV layout for backfilling dossier events, and its translation to a structured-mode CloudEvent.

One row is one ``DossierStatusChanged`` event. The first line is a header naming the columns (any order; a
column may be left out when it is optional). An empty cell means "absent". UTF-8, comma-separated, RFC 4180
quoting (a JSON cell is quoted, its quotes doubled)::

    column                      required  cell
    id                          no        event id; default: a UUID derived from the source and the row's
                                          data, so a row sent twice (a resumed run) carries the same id
    source                      no        the publishing agency or system; default: the connector's source
    time                        no        RFC 3339; default: status_changed_at
    dossier_code                yes       000.00.20.H56-250612-0007
    procedure_code              yes       2.000815.000.00.00.H56
    procedure_name              yes       text
    field_code                  no
    receiving_agency_code       yes       000.00.20.H56
    processing_agency_code      no
    status                      yes       1..10
    status_changed_at           yes       RFC 3339 with offset (as every timestamp)
    channel                     yes       1 in person, 2 online, 3 postal
    received_at, due_at         per status (required from status 2 on)
    processed_at, delivered_at  per status (9, 10)
    applicant_kind              yes       citizen | enterprise
    applicant_name              yes
    applicant_personal_id       citizen   CCCD (12 digits) or CMND (9)
    applicant_enterprise_code   enterprise
    applicant_phone             no
    components                  no        JSON array of {code, name, digitised, reused,
                                          from_national_data_store}
    fees                        no        JSON array of {name, code?, collection_method, amount}
    supplements                 no        JSON array of {requested_at, returned_at?, reason?}
    results                     no        JSON array of {code, name, electronic, issued_at?}
    vneid_verified              no        true/false (or 1/0); default false
    online_payment              no        0, 1 or 2; default 0

Cells are converted to JSON values here (integers, booleans, the JSON columns); everything else is left to
the contracts, so a row is validated exactly as the same event sent over HTTP. Problems name the column and
never its content.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.errors import BackfillInputError
from contracts import DossierStatusChanged, InvalidPayloadError

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "check_header", "row_to_event"]

_ENVELOPE = ("id", "source", "time")
_TEXT = (
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "field_code",
    "receiving_agency_code",
    "processing_agency_code",
    "status_changed_at",
    "received_at",
    "due_at",
    "processed_at",
    "delivered_at",
)
_INTEGER = ("status", "channel", "online_payment")
_BOOLEAN = ("vneid_verified",)
_JSON = ("components", "fees", "supplements", "results")
_APPLICANT = {
    "applicant_kind": "kind",
    "applicant_name": "name",
    "applicant_personal_id": "personal_id",
    "applicant_enterprise_code": "enterprise_code",
    "applicant_phone": "phone",
}
COLUMNS: tuple[str, ...] = (*_ENVELOPE, *_TEXT, *_INTEGER, *_BOOLEAN, *_APPLICANT, *_JSON)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "receiving_agency_code",
    "status",
    "status_changed_at",
    "channel",
    "applicant_kind",
    "applicant_name",
)
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
# Row ids are stable across runs: the same row from the same source always gets the same id.
_ROW_NAMESPACE = uuid.UUID("8f4e3c52-5d0b-4f7a-9a43-6c1d2b7e90a1")


def check_header(columns: Iterable[str] | None) -> None:
    """Refuse a header with unknown, repeated or missing columns (the whole file is unusable then)."""
    names = list(columns or ())
    unknown = sorted({name for name in names if name not in COLUMNS})
    repeated = sorted({name for name in names if names.count(name) > 1})
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    problems = [
        f"{label}: {', '.join(listed)}"
        for label, listed in (("unknown", unknown), ("repeated", repeated), ("missing", missing))
        if listed
    ]
    if problems:
        raise BackfillInputError(
            f"CSV header does not match the dossier layout ({'; '.join(problems)}); see connectors/province"
        )


def _problem(column: str, reason: str) -> InvalidPayloadError:
    return InvalidPayloadError(f"column {column} {reason}", [(column, reason)])


def _integer(column: str, cell: str) -> int:
    if cell.isascii() and cell.lstrip("-").isdigit():
        return int(cell)
    raise _problem(column, "must be an integer")


def _boolean(column: str, cell: str) -> bool:
    folded = cell.lower()
    if folded in _TRUE or folded in _FALSE:
        return folded in _TRUE
    raise _problem(column, "must be true or false (or 1 or 0)")


def _json(column: str, cell: str) -> Any:
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise _problem(column, f"is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise _problem(column, "is nested too deeply") from None


def _data(row: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {column: row[column] for column in _TEXT if row.get(column)}
    data |= {column: _integer(column, row[column]) for column in _INTEGER if row.get(column)}
    data |= {column: _boolean(column, row[column]) for column in _BOOLEAN if row.get(column)}
    data |= {column: _json(column, row[column]) for column in _JSON if row.get(column)}
    data["applicant"] = {field: row[column] for column, field in _APPLICANT.items() if row.get(column)}
    return data


def row_to_event(row: Mapping[str, str], *, default_source: str) -> dict[str, Any]:
    """The structured-mode CloudEvent of one CSV row (column name → cell), not validated yet.

    Raises InvalidPayloadError for a cell that cannot be converted.
    """
    cells = {name: value.strip() for name, value in row.items()}
    data = _data(cells)
    source = cells.get("source") or default_source
    event_id = cells.get("id") or str(
        uuid.uuid5(_ROW_NAMESPACE, source + "\n" + json.dumps(data, sort_keys=True, ensure_ascii=False))
    )
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": DossierStatusChanged.event_type,
        "time": cells.get("time") or cells.get("status_changed_at", ""),
        "data": data,
    }
    return event
