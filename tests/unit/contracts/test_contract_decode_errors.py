"""decode() turns every bad record into one specific ContractError whose message names the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contracts import decode
from contracts.envelope import DEFAULT_MAX_VALUE_BYTES
from contracts.errors import (
    ContractError,
    InvalidHeaderError,
    InvalidPayloadError,
    KeyMismatchError,
    MissingHeaderError,
    NotUtf8Error,
    PayloadTooLargeError,
    UnknownEventTypeError,
    UnsupportedSpecVersionError,
)
from contracts.events import PaymentSucceeded
from tests.unit.contracts.factories import (
    dossier_fields,
    make_dossier,
    payment_fields,
    record_of,
)

Record = tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]


def _applicant(**overrides: Any) -> dict[str, Any]:
    return dossier_fields(applicant=dossier_fields()["applicant"] | overrides)


def _fee_amount(amount: object) -> dict[str, Any]:
    fee = dossier_fields()["fees"][0] | {"amount": amount}
    return dossier_fields(fees=[fee])


def _payload(**overrides: Any) -> Record:
    return record_of(dossier_fields(**overrides))


def _json(text: bytes) -> Record:
    return record_of(make_dossier(), value=text)


# (id, record, error class, message fragment, problem path or None)
CASES: list[tuple[str, Callable[[], Record], type[ContractError], str, str | None]] = [
    # codes
    (
        "agency code, lower-case level 1",
        lambda: _payload(receiving_agency_code="000.00.00.h14"),
        InvalidPayloadError,
        "receiving_agency_code: agency code '000.00.00.h14': "
        "level-1 part must be an upper-case letter and two digits",
        "receiving_agency_code",
    ),
    (
        "agency code, short level 4",
        lambda: _payload(processing_agency_code="00.00.20.H56"),
        InvalidPayloadError,
        "processing_agency_code: agency code '00.00.20.H56': level-4 part must be three digits",
        "processing_agency_code",
    ),
    (
        "agency code, wrong shape",
        lambda: _payload(receiving_agency_code="H14"),
        InvalidPayloadError,
        "agency code 'H14': expected DDD.DD.DD.LNN",
        "receiving_agency_code",
    ),
    (
        "dossier date 31 February",
        lambda: record_of(dossier_fields(dossier_code="000.00.20.H56-250231-0007")),
        InvalidPayloadError,
        "dossier_code: dossier code '000.00.20.H56-250231-0007': date part '250231' is not a real "
        "date (YYMMDD)",
        "dossier_code",
    ),
    (
        "ministry dossier date month 13",
        lambda: record_of(dossier_fields(dossier_code="G09.20-20261309-0092637")),
        InvalidPayloadError,
        "date part '20261309' is not a real date (YYYYMMDD)",
        "dossier_code",
    ),
    (
        "procedure code suffix",
        lambda: _payload(procedure_code="2.000815.07"),
        InvalidPayloadError,
        "procedure code '2.000815.07': after D.DDDDDD expected",
        "procedure_code",
    ),
    (
        "enterprise check digit",
        lambda: _payload(
            applicant={"kind": "enterprise", "name": "Công ty An Phát", "enterprise_code": "0100233480"}
        ),
        InvalidPayloadError,
        "applicant.enterprise_code: enterprise code: check digit (digit 10) does not match",
        "applicant.enterprise_code",
    ),
    (
        "personal ID of 11 digits",
        lambda: record_of(_applicant(personal_id="00409500123")),
        InvalidPayloadError,
        "applicant.personal_id: citizen ID number must be a 12-digit personal ID (CCCD) or a 9-digit old ID "
        "card "
        "number (CMND); got 11 digits",
        "applicant.personal_id",
    ),
    (
        "personal ID century digit",
        lambda: record_of(_applicant(personal_id="004695001234")),
        InvalidPayloadError,
        "the century/sex digit (digit 4) and the birth year (digits 5-6) give a birth year after the current "
        "year",
        "applicant.personal_id",
    ),
    (
        "personal ID province 000",
        lambda: record_of(_applicant(personal_id="000095001234")),
        InvalidPayloadError,
        "province code (digits 1-3) must be between 001 and 096",
        "applicant.personal_id",
    ),
    (
        "phone number",
        lambda: record_of(_applicant(phone="12345")),
        InvalidPayloadError,
        "applicant.phone: phone number must be 0 or +84 followed by 9 or 10 digits",
        "applicant.phone",
    ),
    # amounts
    (
        "negative amount",
        lambda: record_of(_fee_amount(-2000)),
        InvalidPayloadError,
        "fees[0].amount: amount must not be negative",
        "fees[0].amount",
    ),
    (
        "fractional amount 1.5",
        lambda: record_of(_fee_amount(1.5)),
        InvalidPayloadError,
        "fees[0].amount: amount must be an integer number of VND; got a number with a fractional part",
        "fees[0].amount",
    ),
    (
        "float amount 1.0",
        lambda: record_of(_fee_amount(1.0)),
        InvalidPayloadError,
        "fees[0].amount: amount must be an integer number of VND; got a float (write 1, not 1.0)",
        "fees[0].amount",
    ),
    (
        "amount as string",
        lambda: record_of(_fee_amount("2000")),
        InvalidPayloadError,
        "fees[0].amount: amount must be an integer number of VND; got a string",
        "fees[0].amount",
    ),
    (
        "payment lines do not sum",
        lambda: record_of(payment_fields(amount=1), event_type=PaymentSucceeded.event_type),
        InvalidPayloadError,
        "$: lines sum to 52000 VND but amount is 1 VND",
        "$",
    ),
    # timestamps, text, shape
    (
        "naive timestamp",
        lambda: _payload(received_at="2025-06-12T08:30:00"),
        InvalidPayloadError,
        "received_at: timestamp must be timezone-aware (e.g. 2025-06-12T08:30:00+07:00); got a naive "
        "date-time",
        "received_at",
    ),
    (
        "control character in text",
        lambda: _payload(procedure_name="Chứng thực\x1bbản sao"),
        InvalidPayloadError,
        "procedure_name: text must not contain a control character; character 11 is U+001B",
        "procedure_name",
    ),
    (
        "unknown field",
        lambda: _payload(ghi_chu="x"),
        InvalidPayloadError,
        "ghi_chu: Extra inputs are not permitted",
        "ghi_chu",
    ),
    (
        "unknown nested field",
        lambda: _payload(components=[dossier_fields()["components"][0] | {"size": 1}]),
        InvalidPayloadError,
        "components[0].size: Extra inputs are not permitted",
        "components[0].size",
    ),
    (
        "missing field",
        lambda: record_of({k: v for k, v in dossier_fields().items() if k != "channel"}),
        InvalidPayloadError,
        "channel: Field required",
        "channel",
    ),
    (
        "status out of range",
        lambda: _payload(status=11),
        InvalidPayloadError,
        "status: Input should be 1, 2, 3",
        "status",
    ),
    (
        "status as string",
        lambda: _payload(status="4"),
        InvalidPayloadError,
        "status: Input should be",
        "status",
    ),
    (
        "flag as integer",
        lambda: _payload(vneid_verified=1),
        InvalidPayloadError,
        "vneid_verified: Input should be a valid boolean",
        "vneid_verified",
    ),
    (
        "lifecycle inconsistency",
        lambda: _payload(status=9),
        InvalidPayloadError,
        "$: status 9 (processed) needs processed_at",
        "$",
    ),
    # JSON
    (
        "invalid JSON",
        lambda: _json(b'{"dossier_code": '),
        InvalidPayloadError,
        "value is not valid JSON: Expecting value",
        "$",
    ),
    (
        "JSON array",
        lambda: _json(b"[1, 2]"),
        InvalidPayloadError,
        "value must be a JSON object, got an array",
        "$",
    ),
    (
        "JSON string",
        lambda: _json(b'"x"'),
        InvalidPayloadError,
        "value must be a JSON object, got a string",
        "$",
    ),
    ("JSON null", lambda: _json(b"null"), InvalidPayloadError, "value must be a JSON object, got null", "$"),
    (
        "duplicate key",
        lambda: _json(b'{"status": 4, "status": 10}'),
        InvalidPayloadError,
        "value has a duplicate key status in a JSON object",
        "$",
    ),
    ("NaN", lambda: _json(b'{"status": NaN}'), InvalidPayloadError, "NaN is not a JSON number", "$"),
    ("deep nesting", lambda: _json(b"[" * 200_000), InvalidPayloadError, "value is nested too deeply", "$"),
    (
        "tombstone",
        lambda: record_of(make_dossier(), value=None),
        InvalidPayloadError,
        "record has no value (a tombstone)",
        None,
    ),
    (
        "non-UTF-8 value",
        lambda: _json(b'{"procedure_name": "\xff"}'),
        NotUtf8Error,
        "value is not valid UTF-8 (invalid byte at offset 20)",
        None,
    ),
    (
        "1 MB value",
        lambda: _json(b" " * 1_048_576),
        PayloadTooLargeError,
        f"value is 1048576 bytes; the limit is {DEFAULT_MAX_VALUE_BYTES} bytes",
        None,
    ),
    # headers
    (
        "non-UTF-8 header",
        lambda: record_of(headers={"ce_source": b"\xc3\x28"}),
        NotUtf8Error,
        "header ce_source is not valid UTF-8 (invalid byte at offset 0)",
        None,
    ),
    (
        "missing ce_ headers",
        lambda: record_of(drop=("ce_id", "ce_time")),
        MissingHeaderError,
        "missing required header(s): ce_id, ce_time",
        None,
    ),
    (
        "missing content-type",
        lambda: record_of(drop=("content-type",)),
        MissingHeaderError,
        "missing required header(s): content-type",
        None,
    ),
    (
        "no headers at all",
        lambda: (b"k", b"{}", []),
        MissingHeaderError,
        "missing required header(s): ce_specversion, ce_id, ce_source, ce_type, ce_time, ce_subject, "
        "content-type",
        None,
    ),
    (
        "null header value",
        lambda: record_of(headers={"ce_id": None}),
        InvalidHeaderError,
        "header ce_id has no value",
        None,
    ),
    (
        "duplicate header",
        lambda: _with_extra_header("ce_type", b"vn.gov.lienthong.payment.failed.v1"),
        InvalidHeaderError,
        "header ce_type appears more than once",
        None,
    ),
    (
        "unknown ce_type",
        lambda: record_of(event_type="vn.gov.lienthong.dossier.deleted.v1"),
        UnknownEventTypeError,
        "unknown event type 'vn.gov.lienthong.dossier.deleted.v1'; registered: "
        "vn.gov.lienthong.dossier.status_changed.v1",
        None,
    ),
    (
        "wrong specversion",
        lambda: record_of(headers={"ce_specversion": b"0.3"}),
        UnsupportedSpecVersionError,
        "header ce_specversion must be '1.0'",
        None,
    ),
    (
        "content type not JSON",
        lambda: record_of(headers={"content-type": b"application/avro"}),
        InvalidHeaderError,
        "header content-type must be application/json in binary mode",
        None,
    ),
    (
        "ce_time without offset",
        lambda: record_of(headers={"ce_time": b"2025-06-12T08:30:00"}),
        InvalidHeaderError,
        "header ce_time must be an RFC 3339 timestamp with an offset",
        None,
    ),
    (
        "ce_time not a date",
        lambda: record_of(headers={"ce_time": b"2025-02-30T08:30:00Z"}),
        InvalidHeaderError,
        "header ce_time is not a real date and time",
        None,
    ),
    (
        "ce_id with a space",
        lambda: record_of(headers={"ce_id": b"event 1"}),
        InvalidHeaderError,
        "header ce_id: code must be printable ASCII without spaces; character 6 is U+0020",
        None,
    ),
    (
        "empty ce_source",
        lambda: record_of(headers={"ce_source": b""}),
        InvalidHeaderError,
        "header ce_source: code must not be empty",
        None,
    ),
    # key and subject
    (
        "key differs from subject",
        lambda: record_of(key=b"000.00.20.H56-250612-0008"),
        KeyMismatchError,
        "record key does not equal header ce_subject",
        None,
    ),
    (
        "no key",
        lambda: record_of(key=None),
        KeyMismatchError,
        "record has no key; the key must equal ce_subject",
        None,
    ),
    (
        "subject differs from data",
        lambda: record_of(key=b"X", headers={"ce_subject": b"X"}),
        KeyMismatchError,
        "header ce_subject does not equal the data's dossier_code",
        None,
    ),
]


def _with_extra_header(name: str, value: bytes) -> Record:
    key, body, headers = record_of()
    return key, body, [*headers, (name, value)]


@pytest.mark.parametrize(
    ("build", "error", "fragment", "path"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_records_raise_a_specific_contract_error(
    build: Callable[[], Record], error: type[ContractError], fragment: str, path: str | None
) -> None:
    key, value, headers = build()

    with pytest.raises(ContractError) as caught:
        decode(key, value, headers)

    assert type(caught.value) is error
    assert fragment in str(caught.value)
    assert caught.value.retriable is False
    if path is not None:
        assert isinstance(caught.value, InvalidPayloadError)
        assert path in [problem_path for problem_path, _ in caught.value.problems]


def test_size_limit_is_configurable() -> None:
    key, value, headers = record_of()
    assert value is not None
    with pytest.raises(PayloadTooLargeError, match="the limit is 100 bytes"):
        decode(key, value, headers, max_value_bytes=100)
    assert decode(key, value, headers, max_value_bytes=len(value)).data == make_dossier()


def test_every_problem_is_listed_with_its_path() -> None:
    record = record_of(dossier_fields(status=12, channel=7, received_at="yesterday", ghi_chu=1))
    with pytest.raises(InvalidPayloadError) as caught:
        decode(*record)
    assert [path for path, _ in caught.value.problems] == ["status", "channel", "received_at", "ghi_chu"]
