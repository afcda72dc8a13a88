"""The event models' own rules: lifecycle consistency, applicant identity, agency records, payment sums."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import (
    AgencyCodeIssued,
    DossierStatus,
    DossierStatusChanged,
    PaymentInitiated,
    PaymentSucceeded,
)
from contracts.privacy import REDACTED, personal_data_paths, redacted
from tests.unit.contracts.factories import (
    APPLICANT_NAME,
    PERSONAL_ID,
    closure_fields,
    dossier_fields,
    make_closure,
    make_dossier,
    make_payment,
    payment_fields,
)


def _problems(model: type[Any], fields: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(fields)
    return [(tuple(error["loc"]), error["msg"]) for error in caught.value.errors()]


def test_models_are_frozen_and_closed() -> None:
    dossier = make_dossier()
    with pytest.raises(ValidationError, match="Instance is frozen"):
        dossier.status = DossierStatus.PROCESSED  # type: ignore[misc]
    assert _problems(DossierStatusChanged, dossier_fields(remarks="x")) == [
        (("remarks",), "Extra inputs are not permitted")
    ]


def test_status_meanings_are_the_portals() -> None:
    assert DossierStatus(5).label == "Yêu cầu bổ sung"
    assert DossierStatus.DELIVERED.label == "Đã trả kết quả"
    assert {s.value for s in DossierStatus if s.is_terminal} == {3, 7, 8, 9, 10}


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"status": 1, "channel": 1},
            "status 1 (new_registration) is an online submission: channel must be 2",
        ),
        (
            {"status": 1, "channel": 2},
            "status 1 (new_registration) is not received yet: received_at must be absent",
        ),
        ({"received_at": None, "due_at": None}, "status 4 (processing) needs received_at and due_at"),
        ({"received_at": None}, "status 4 (processing) needs received_at"),
        ({"due_at": None}, "status 4 (processing) needs due_at"),
        ({"status": 9}, "status 9 (processed) needs processed_at"),
        ({"status": 10}, "status 10 (delivered) needs delivered_at"),
        ({"due_at": "2025-06-11T08:30:00+07:00"}, "due_at must not be before received_at"),
        ({"status": 5}, "status 5 (supplement_requested) needs an open supplement round"),
        (
            {
                "supplements": [
                    {"requested_at": "2025-06-13T08:00:00Z"},
                    {"requested_at": "2025-06-14T08:00:00Z"},
                ]
            },
            "only the last supplement round may be open",
        ),
    ],
)
def test_dossier_lifecycle_rules(overrides: dict[str, Any], problem: str) -> None:
    [(loc, message)] = _problems(DossierStatusChanged, dossier_fields(**overrides))
    assert loc == ()
    assert message.startswith(problem)


def test_dossier_valid_shapes() -> None:
    """An online submission without reception, a finished dossier, a dossier awaiting a supplement."""
    submitted = make_dossier(status=1, channel=2, received_at=None, due_at=None)
    finished = make_dossier(status=9, processed_at="2025-06-13T16:00:00+07:00")
    waiting = make_dossier(status=5, supplements=[{"requested_at": "2025-06-13T08:00:00+07:00"}])
    assert submitted.received_at is None
    assert finished.status.is_terminal
    assert waiting.supplements[0].returned_at is None
    assert make_dossier().has_digitised_component


def test_supplement_returned_before_requested_is_rejected() -> None:
    rounds = [{"requested_at": "2025-06-13T08:00:00Z", "returned_at": "2025-06-12T08:00:00Z"}]
    assert _problems(DossierStatusChanged, dossier_fields(supplements=rounds)) == [
        (("supplements", 0), "returned_at must not be before requested_at")
    ]


@pytest.mark.parametrize(
    ("applicant", "problem"),
    [
        ({"kind": "citizen", "name": "An"}, "a citizen applicant needs personal_id"),
        (
            {"kind": "citizen", "name": "An", "personal_id": PERSONAL_ID, "enterprise_code": "0100233488"},
            "a citizen applicant must not carry enterprise_code",
        ),
        ({"kind": "enterprise", "name": "Công ty An Phát"}, "an enterprise applicant needs enterprise_code"),
    ],
)
def test_applicant_identification(applicant: dict[str, Any], problem: str) -> None:
    assert _problems(DossierStatusChanged, dossier_fields(applicant=applicant)) == [(("applicant",), problem)]


def test_identity_events_check_level_parent_and_successor() -> None:
    assert make_closure().business_key == "000.00.00.H34"
    assert _problems(type(make_closure()), closure_fields(successor_code="000.00.00.H34")) == [
        ((), "successor_code must differ from the closed code")
    ]
    assert _problems(type(make_closure()), closure_fields(level=2)) == [
        ((), "level 2 does not match code '000.00.00.H34' (level 1)")
    ]
    assert _problems(type(make_closure()), closure_fields(parent_code="000.00.00.H01")) == [
        ((), "a level-1 body has no parent_code")
    ]
    missing = closure_fields()
    del missing["successor_code"]
    assert _problems(type(make_closure()), missing) == [(("successor_code",), "Field required")]
    issued = closure_fields(code="H44.07", level=2, parent_code="000.00.00.H44")
    del issued["successor_code"]
    unit = AgencyCodeIssued.model_validate(issued)
    assert unit.level == 2


def test_payment_lines_sum_to_the_amount() -> None:
    assert make_payment().amount == 52000
    assert _problems(PaymentSucceeded, payment_fields(amount=50000)) == [
        ((), "lines sum to 52000 VND but amount is 50000 VND")
    ]
    assert _problems(PaymentSucceeded, payment_fields(lines=[])) == [
        (("lines",), "Tuple should have at least 1 item after validation, not 0")
    ]
    assert ("amount",) in [
        loc
        for loc, _ in _problems(
            PaymentSucceeded,
            payment_fields(amount=0, lines=[{"kind": "fee", "name": "Miễn phí", "amount": 0}]),
        )
    ]


def test_transaction_id_is_required_except_for_initiated_payments() -> None:
    without = payment_fields()
    del without["transaction_id"]
    assert PaymentInitiated.model_validate(without).transaction_id is None
    assert _problems(PaymentSucceeded, without) == [(("transaction_id",), "Field required")]


def test_personal_data_fields_are_marked_and_redactable() -> None:
    """Log masking finds names, ID numbers and phones by the schema marker, not by field name."""
    assert personal_data_paths(DossierStatusChanged) == (
        "applicant.name",
        "applicant.personal_id",
        "applicant.enterprise_code",
        "applicant.phone",
    )
    schema = DossierStatusChanged.model_json_schema()
    assert schema["$defs"]["Applicant"]["properties"]["personal_id"]["x-personal-data"] is True

    masked = redacted(make_dossier())

    assert masked["applicant"]["name"] == REDACTED
    assert masked["applicant"]["personal_id"] == REDACTED
    assert masked["applicant"]["enterprise_code"] is None
    assert APPLICANT_NAME not in str(masked)
    assert PERSONAL_ID not in str(masked)
    assert masked["components"][0]["code"] == "TP01"
