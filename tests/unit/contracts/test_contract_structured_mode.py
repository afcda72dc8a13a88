"""CloudEvents structured mode: every type round-trips; a malformed event fails with a safe reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import (
    EVENT_TYPES,
    ContractError,
    Envelope,
    EventData,
    InvalidPayloadError,
    KeyMismatchError,
    NotUtf8Error,
    PayloadTooLargeError,
    UnknownEventTypeError,
    UnsupportedSpecVersionError,
    decode,
    encode,
)
from contracts.structured import from_structured, parse_structured, to_structured
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE, make_envelope
from tests.unit.contracts.strategies import EVENT_DATA, envelopes


def structured(**overrides: Any) -> dict[str, Any]:
    event = to_structured(make_envelope())
    event.update(overrides)
    return {key: value for key, value in event.items() if value is not ...}


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
@given(data=st.data())
def test_to_then_from_structured_returns_an_equal_envelope(event_type: str, data: st.DataObject) -> None:
    """from_structured(json round trip of to_structured(e)) == e, for every registered type."""
    envelope: Envelope[EventData] = data.draw(envelopes(EVENT_DATA[EVENT_TYPES[event_type]]))
    wire = json.dumps(to_structured(envelope), ensure_ascii=False)

    (parsed,) = parse_structured(wire.encode())

    assert from_structured(parsed) == envelope


def test_structured_and_binary_mode_carry_the_same_event() -> None:
    """The envelope read from structured mode encodes to the record the binary decoder reads back."""
    envelope = from_structured(structured())
    record = encode(envelope)
    assert decode(record.key, record.value, record.headers) == envelope == make_envelope()


def test_subject_is_optional_and_must_match_the_business_key() -> None:
    """Without subject the data names the key; a different subject is a KeyMismatchError."""
    assert from_structured(structured(subject=...)).subject == make_envelope().subject
    with pytest.raises(KeyMismatchError, match="attribute subject does not equal the data's dossier_code"):
        from_structured(structured(subject="000.00.20.H56-250612-0008"))


def test_datacontenttype_is_optional_and_json_only() -> None:
    """JSON (with parameters) is accepted, absence too; any other media type is refused."""
    from_structured(structured(datacontenttype=...))
    from_structured(structured(datacontenttype="application/json; charset=utf-8"))
    with pytest.raises(InvalidPayloadError, match="attribute datacontenttype must be application/json"):
        from_structured(structured(datacontenttype="application/xml"))


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"id": ..., "time": ...}, InvalidPayloadError, "missing required attribute\\(s\\): id, time$"),
        ({"data": ...}, InvalidPayloadError, "missing required attribute\\(s\\): data$"),
        ({"traceparent": "00-abc"}, InvalidPayloadError, "unsupported attribute\\(s\\): traceparent;"),
        ({"Nguyễn Văn A": 1}, InvalidPayloadError, "unsupported attribute\\(s\\): <unexpected attribute>;"),
        ({"data_base64": "AA=="}, InvalidPayloadError, "unsupported attribute\\(s\\): data_base64"),
        ({"specversion": "0.3"}, UnsupportedSpecVersionError, "attribute specversion must be '1.0'"),
        ({"id": 7}, InvalidPayloadError, "attribute id must be a string, got a number"),
        ({"id": ""}, InvalidPayloadError, "attribute id code must not be empty"),
        ({"source": "a b"}, InvalidPayloadError, "attribute source code must be printable ASCII"),
        ({"time": "2025-06-12T09:00:00"}, InvalidPayloadError, "attribute time must be an RFC 3339"),
        ({"time": "2025-02-30T09:00:00Z"}, InvalidPayloadError, "attribute time is not a real date"),
        ({"type": "vn.gov.other.v1"}, UnknownEventTypeError, "unknown event type 'vn.gov.other.v1'"),
        ({"data": [1]}, InvalidPayloadError, "attribute data must be a JSON object, got an array"),
        ({"subject": None}, InvalidPayloadError, "attribute subject must be a string, got null"),
    ],
)
def test_malformed_attributes_are_refused_with_a_precise_reason(
    overrides: dict[str, Any], error: type[ContractError], message: str
) -> None:
    """Each attribute problem raises its ContractError subclass, naming the attribute."""
    with pytest.raises(error, match=message):
        from_structured(structured(**overrides))


def test_an_event_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidPayloadError, match="an event must be a JSON object, got an array"):
        from_structured([structured()])


def test_data_is_validated_strictly_as_json() -> None:
    """A status given as a string is refused, as the consumers' strict decoding would refuse it."""
    event = structured()
    event["data"] = dict(event["data"], status="4")
    with pytest.raises(
        InvalidPayloadError, match=r"^invalid vn\.gov\.lienthong\.dossier\.status_changed\.v1 data: status"
    ):
        from_structured(event)


def test_reasons_never_quote_personal_data() -> None:
    """Wrong-shaped personal data, and personal data in the wrong field, stay out of the message."""
    event = structured()
    applicant = dict(event["data"]["applicant"], personal_id="00409500123", phone="not a phone 0912345678")
    event["data"] = dict(
        event["data"], applicant=applicant, procedure_code=PERSONAL_ID, dossier_code=APPLICANT_NAME
    )
    with pytest.raises(InvalidPayloadError) as caught:
        from_structured(event)
    message = str(caught.value)
    for secret in ("00409500123", PERSONAL_ID, APPLICANT_NAME, "0912345678", PHONE):
        assert secret not in message
    assert "applicant.personal_id" in message


def test_data_over_the_record_size_limit_is_refused() -> None:
    event = structured()
    components = [dict(event["data"]["components"][0], code=f"TP{i}", name="x" * 1000) for i in range(600)]
    event["data"] = dict(event["data"], components=components)
    with pytest.raises(PayloadTooLargeError, match="the limit is 524288 bytes"):
        from_structured(event)


@pytest.mark.parametrize(
    ("body", "batch", "error", "message"),
    [
        (b"\xff{}", False, NotUtf8Error, "^body is not valid UTF-8"),
        (b"{", False, InvalidPayloadError, "^body is not valid JSON: Expecting property name"),
        (b'{"id": 1, "id": 2}', False, InvalidPayloadError, "^body has a duplicate key id"),
        (b"[NaN]", True, InvalidPayloadError, "NaN is not a JSON number"),
        (b"{}", True, InvalidPayloadError, "^a batch must be a JSON array of events, got an object$"),
    ],
)
def test_documents_that_are_not_json_of_the_right_shape_are_refused(
    body: bytes, batch: bool, error: type[ContractError], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_structured(body, batch=batch)


def test_a_batch_parses_to_its_events_and_a_single_document_to_one() -> None:
    one = structured()
    assert parse_structured(json.dumps([one, one]), batch=True) == [one, one]
    assert parse_structured(json.dumps(one)) == [one]
    assert parse_structured("[]", batch=True) == []
