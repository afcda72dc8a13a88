"""Every registered event type survives encode → decode unchanged, and encoding is deterministic."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import EVENT_TYPES, Envelope, EventData, decode, encode, topic_for
from tests.unit.contracts.factories import make_envelope
from tests.unit.contracts.strategies import EVENT_DATA, envelopes


def test_every_registered_event_type_has_a_strategy() -> None:
    """The round-trip property below covers every type in the registry."""
    assert set(EVENT_DATA) == set(EVENT_TYPES.values())


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
@given(data=st.data())
def test_encode_then_decode_returns_an_equal_envelope(event_type: str, data: st.DataObject) -> None:
    """decode(encode(e)) == e, the record is keyed by the subject, and re-encoding gives the same bytes."""
    envelope: Envelope[EventData] = data.draw(envelopes(EVENT_DATA[EVENT_TYPES[event_type]]))
    record = encode(envelope)

    decoded = decode(record.key, record.value, record.headers)

    assert decoded == envelope
    assert type(decoded.data) is EVENT_TYPES[event_type]
    assert record.key == envelope.subject.encode()
    assert encode(decoded) == record
    assert topic_for(decoded.data).name.startswith("lienthong.")


@given(data=st.data())
def test_text_is_nfc_on_the_wire(data: st.DataObject) -> None:
    """Every string in an encoded value is NFC, whatever form the text was given in."""
    model = data.draw(st.sampled_from(list(EVENT_DATA)))
    envelope = data.draw(envelopes(EVENT_DATA[model]))

    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [s for item in node for s in strings(item)]
        if isinstance(node, dict):
            return [s for item in node.values() for s in strings(item)]
        return []

    document = json.loads(encode(envelope).value)
    assert all(unicodedata.is_normalized("NFC", text) for text in strings(document))


def test_value_is_compact_utf8_json_with_headers_in_binary_mode() -> None:
    """The value is compact JSON with raw UTF-8 (no \\u escapes); attributes travel as ce_ headers."""
    record = encode(make_envelope())

    assert b": " not in record.value
    assert b", " not in record.value
    assert "Chứng thực".encode() in record.value
    assert dict(record.headers) == {
        "ce_specversion": b"1.0",
        "ce_id": b"0b5c9d0e-2f1a-4c1e-9f5e-1d2c3b4a5f60",
        "ce_source": b"000.00.20.H56",
        "ce_type": b"vn.gov.lienthong.dossier.status_changed.v1",
        "ce_time": b"2025-06-12T09:00:01+07:00",
        "ce_subject": b"000.00.20.H56-250612-0007",
        "content-type": b"application/json",
    }
