"""The CSV layout: a row is the same event as its structured-mode form; bad cells are named, never shown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.errors import BackfillInputError
from connectors.province import COLUMNS, REQUIRED_COLUMNS, admit_event
from connectors.province.csv_layout import check_header, row_to_event
from contracts import InvalidPayloadError
from tests.unit.contracts.factories import PERSONAL_ID, dossier_fields

SOURCE = "urn:lienthong:connector:province:H56"


def csv_row(**overrides: str) -> dict[str, str]:
    """A row (all cells text) carrying the factories' dossier, with ``overrides``."""
    fields = dossier_fields()
    applicant = fields.pop("applicant")
    row = dict.fromkeys(COLUMNS, "")
    for name, value in fields.items():
        row[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    row["vneid_verified"] = "true"
    row |= {f"applicant_{key}": value for key, value in applicant.items()}
    row |= overrides
    return row


def test_a_row_is_the_same_event_as_the_factories_dossier() -> None:
    envelope = admit_event(row_to_event(csv_row(), default_source=SOURCE))
    assert envelope.data.model_dump(mode="json") == json.loads(
        json.dumps(
            dossier_fields()
            | {
                "field_code": None,
                "processing_agency_code": None,
                "processed_at": None,
                "delivered_at": None,
                "supplements": [],
                "results": [],
                "applicant": dossier_fields()["applicant"] | {"enterprise_code": None},
            }
        )
    )
    assert envelope.source == SOURCE
    assert envelope.time == envelope.data.status_changed_at


def test_ids_are_stable_per_row_and_source_and_given_ids_win() -> None:
    first = row_to_event(csv_row(), default_source=SOURCE)
    assert row_to_event(csv_row(), default_source=SOURCE)["id"] == first["id"]
    assert row_to_event(csv_row(status="5"), default_source=SOURCE)["id"] != first["id"]
    assert row_to_event(csv_row(source="000.00.00.H14"), default_source=SOURCE)["id"] != first["id"]
    assert row_to_event(csv_row(id="E-1"), default_source=SOURCE)["id"] == "E-1"


def test_empty_cells_are_absent_and_booleans_read_both_ways() -> None:
    event = row_to_event(csv_row(due_at="", vneid_verified="0", online_payment=""), default_source=SOURCE)
    assert "due_at" not in event["data"]
    assert "online_payment" not in event["data"]
    assert event["data"]["vneid_verified"] is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": "four"}, "^column status must be an integer$"),
        ({"vneid_verified": "yes"}, "^column vneid_verified must be true or false"),
        ({"components": "[{"}, "^column components is not valid JSON"),
    ],
)
def test_unconvertible_cells_name_their_column(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidPayloadError, match=message):
        row_to_event(csv_row(**overrides), default_source=SOURCE)


def test_contract_problems_of_a_row_never_show_the_cell() -> None:
    event = row_to_event(csv_row(applicant_personal_id=PERSONAL_ID[:-1]), default_source=SOURCE)
    with pytest.raises(InvalidPayloadError) as caught:
        admit_event(event)
    assert "applicant.personal_id" in str(caught.value)
    assert PERSONAL_ID[:-1] not in str(caught.value)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([*REQUIRED_COLUMNS, "colour"], r"unknown: colour"),
        ([*REQUIRED_COLUMNS, "status"], r"repeated: status"),
        (list(REQUIRED_COLUMNS[1:]), r"missing: dossier_code"),
        (None, r"missing: dossier_code, procedure_code"),
    ],
)
def test_a_header_off_the_layout_refuses_the_file(header: list[str] | None, message: str) -> None:
    with pytest.raises(BackfillInputError, match=message):
        check_header(header)


def test_the_required_columns_are_enough() -> None:
    check_header(REQUIRED_COLUMNS)
    row: dict[str, Any] = {name: csv_row()[name] for name in REQUIRED_COLUMNS}
    row |= {
        "received_at": csv_row()["received_at"],
        "due_at": csv_row()["due_at"],
        "applicant_personal_id": PERSONAL_ID,
    }
    assert admit_event(row_to_event(row, default_source=SOURCE)).data.components == ()
