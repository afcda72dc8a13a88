"""Shown to an operator: a valid event with its personal fields replaced; garbage as a masked preview."""

from __future__ import annotations

import json

from hub.dlq import letter_of, letter_view
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE
from tests.unit.hub_dlq.records import NOW, SOURCE_TOPIC, dossier_dead_letter, garbage_dead_letter


def test_a_valid_event_is_decoded_and_redacted() -> None:
    view = letter_view(letter_of(dossier_dead_letter()), now=NOW)
    shown = json.dumps(view, ensure_ascii=False)
    for secret in (APPLICANT_NAME, PERSONAL_ID, PHONE):
        assert secret not in shown
    value = view["value"]
    assert value["decodes"] is True
    assert value["event"]["data"]["applicant"]["name"] == "<personal data>"
    assert value["event"]["subject"] == "000.00.20.H56-250612-0007"
    assert view["original_topic"] == SOURCE_TOPIC
    assert ["ce_id", "e1"] in view["headers"]


def test_garbage_shows_length_problem_and_masked_preview() -> None:
    view = letter_view(letter_of(garbage_dead_letter()), now=NOW, replayed_to=("t",))
    shown = json.dumps(view, ensure_ascii=False)
    assert "004095001234" not in shown
    assert "Văn An" not in shown
    value = view["value"]
    assert value["decodes"] is False
    assert value["length"] > 0
    assert "missing required header" in value["problem"]
    assert view["replayed_to"] == ["t"]
    assert view["age"] == "1h-1d"


def test_header_values_are_masked_too() -> None:
    record = garbage_dead_letter()
    record.headers = [("x-caller", b"0912345678"), ("x-bin", b"\xff\x00\x01"), *record.headers]
    view = letter_view(letter_of(record), now=NOW)
    assert "0912345678" not in json.dumps(view)
    assert view["headers"][1][1].startswith("<3 bytes, not text")
