"""decode() keeps personal data out of every message, and raises nothing but ContractError for any input."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import decode
from contracts.errors import ContractError, InvalidPayloadError
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE, dossier_fields, record_of


def _applicant(**overrides: Any) -> dict[str, Any]:
    return dossier_fields(applicant=dossier_fields()["applicant"] | overrides)


def _personal_payloads() -> list[tuple[str, dict[str, Any]]]:
    applicant = dossier_fields()["applicant"]
    return [
        ("valid personal data, other field invalid", dossier_fields(status=99)),
        ("name with a control character", _applicant(name=APPLICANT_NAME + "\x07")),
        ("personal ID too short", _applicant(personal_id=PERSONAL_ID[:-1])),
        ("personal ID with a future birth year", _applicant(personal_id="0046" + PERSONAL_ID[4:])),
        ("phone malformed", _applicant(phone=PHONE + "12345")),
        ("name not a string", _applicant(name=[APPLICANT_NAME, PERSONAL_ID])),
        ("personal ID as a number", _applicant(personal_id=int(PERSONAL_ID))),
        (
            "personal data as unknown keys",
            dossier_fields(applicant=applicant | {PERSONAL_ID: APPLICANT_NAME}),
        ),
        ("personal data as an enum value", _applicant(kind=APPLICANT_NAME)),
        ("personal data in a bad date", _payload_dict(received_at=f"{PERSONAL_ID} {APPLICANT_NAME}")),
    ]


def _payload_dict(**overrides: Any) -> dict[str, Any]:
    return dossier_fields(**overrides)


@pytest.mark.parametrize(
    ("document"), [case[1] for case in _personal_payloads()], ids=[c[0] for c in _personal_payloads()]
)
def test_error_messages_never_contain_personal_data(document: dict[str, Any]) -> None:
    """Names, personal IDs and phones stay out of messages and problems, whatever field they sit in."""
    with pytest.raises(InvalidPayloadError) as caught:
        decode(*record_of(document))
    rendered = f"{caught.value} {caught.value!r} {caught.value.problems}"
    for secret in (PERSONAL_ID, PERSONAL_ID[:-1], "0046" + PERSONAL_ID[4:], APPLICANT_NAME, PHONE):
        assert secret not in rendered


def test_unknown_keys_that_are_not_field_names_are_not_echoed() -> None:
    document = dossier_fields() | {"Nguyễn Văn An 004095001234": 1}
    with pytest.raises(InvalidPayloadError) as caught:
        decode(*record_of(document))
    assert caught.value.problems == (("<unexpected key>", "Extra inputs are not permitted"),)


_HEADER_NAMES = st.sampled_from(
    ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type", "x"]
)


@settings(max_examples=300)
@given(
    key=st.none() | st.binary(max_size=40),
    value=st.none() | st.binary(max_size=200),
    headers=st.lists(
        st.tuples(_HEADER_NAMES | st.text(max_size=10), st.none() | st.binary(max_size=40)), max_size=9
    ),
)
def test_arbitrary_bytes_raise_only_contract_errors(
    key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes | None]]
) -> None:
    """Whatever the bytes, decode either returns an envelope or raises a ContractError."""
    with contextlib.suppress(ContractError):
        decode(key, value, headers)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(data=st.data())
def test_valid_records_with_one_field_replaced_raise_only_contract_errors(data: st.DataObject) -> None:
    """Replacing any field (top-level or nested) by any JSON value never escapes the error hierarchy."""
    document = dossier_fields()
    name = data.draw(st.sampled_from(sorted(document)))
    replacement = data.draw(_json_values)
    if isinstance(document[name], dict):
        nested = data.draw(st.sampled_from(sorted(document[name])))
        document[name] = document[name] | {nested: replacement}
    elif isinstance(document[name], list) and document[name]:
        first = document[name][0]
        nested = data.draw(st.sampled_from(sorted(first)))
        document[name] = [first | {nested: replacement}]
    else:
        document[name] = replacement
    key, value, headers = record_of(document)
    with contextlib.suppress(ContractError):
        decode(key, value, headers)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receiving_agency_code", PERSONAL_ID),
        ("receiving_agency_code", APPLICANT_NAME),
        ("procedure_code", PHONE),
        ("dossier_code", f"000.00.20.H56-250612-{PERSONAL_ID}"),
    ],
)
def test_personal_data_in_a_code_field_is_not_quoted(field: str, value: str) -> None:
    """Code messages quote the code, unless it has the shape of personal data (a field mix-up upstream)."""
    with pytest.raises(InvalidPayloadError) as caught:
        decode(*record_of(dossier_fields(**{field: value})))
    assert value not in str(caught.value)
    assert f"({len(value)} characters, not shown)" in str(caught.value)
