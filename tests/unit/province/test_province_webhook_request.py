"""The request delivering a routed submission: structured-mode body, ce-id, and a signature of the body."""

from __future__ import annotations

import json

import pytest

from connectors.province.webhook import (
    CONTENT_TYPE,
    SIGNATURE_HEADER,
    signature,
    verify_signature,
    webhook_request,
)
from contracts.structured import from_structured, parse_structured
from tests.unit.province.routed_factories import APPLICANT_NAME, PERSONAL_ID, routed

SECRET = b"province-secret"


def test_headers_are_content_type_event_id_and_signature_only() -> None:
    envelope = routed(1)
    request = webhook_request(envelope, secret=SECRET)
    headers = dict(request.headers)
    assert list(headers) == ["Content-Type", "ce-id", SIGNATURE_HEADER]
    assert headers["Content-Type"] == CONTENT_TYPE == "application/cloudevents+json; charset=utf-8"
    assert headers["ce-id"] == request.event_id == envelope.id
    assert verify_signature(request.body, headers[SIGNATURE_HEADER], SECRET)


def test_the_body_is_the_structured_event_and_decodes_back_to_the_envelope() -> None:
    envelope = routed(3, revision=2)
    body = webhook_request(envelope, secret=SECRET).body
    event = parse_structured(body)[0]
    assert event["specversion"] == "1.0"
    assert event["type"] == "vn.gov.lienthong.province.submission_routed.v1"
    assert (event["id"], event["subject"]) == (envelope.id, envelope.data.dossier_code)
    assert from_structured(event) == envelope


def test_personal_data_travels_in_the_body_and_nowhere_else() -> None:
    request = webhook_request(routed(1), secret=SECRET)
    applicant = json.loads(request.body)["data"]["dossier"]["applicant"]
    assert (applicant["personal_id"], applicant["name"]) == (PERSONAL_ID, APPLICANT_NAME)
    assert APPLICANT_NAME.encode() in request.body  # UTF-8 as is, not \u escapes
    for _, value in request.headers:
        assert PERSONAL_ID not in value
        assert APPLICANT_NAME not in value


def test_a_repeat_is_the_same_request() -> None:
    assert webhook_request(routed(1), secret=SECRET) == webhook_request(routed(1), secret=SECRET)


def test_the_signature_is_hmac_sha256_of_the_body_in_hex() -> None:
    expected = "sha256=e24fa7dbabacd9a070fb6c555b37f5b78f2969e0aa0c51c54b1e114cbc613563"
    assert signature(b'{"id":"e1"}', SECRET) == expected


def test_a_signature_fails_for_another_body_secret_or_none() -> None:
    request = webhook_request(routed(1), secret=SECRET)
    sent = dict(request.headers)[SIGNATURE_HEADER]
    assert verify_signature(request.body, sent.upper().replace("SHA256=", "sha256="), SECRET)
    assert not verify_signature(request.body + b" ", sent, SECRET)
    assert not verify_signature(request.body, sent, b"another-secret")
    assert not verify_signature(request.body, None, SECRET)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        webhook_request(routed(1), secret=b"")
