"""Audit records survive the trip through JSON, and the replayed/discarded state is rebuilt from them."""

from __future__ import annotations

from hub.dlq import ActionRecord, AuditState, LetterId, LetterRecord, audit_value, parse_audit
from tests.unit.hub_dlq.records import DLQ_TOPIC, NOW, SOURCE_TOPIC

FIRST, SECOND = LetterId(DLQ_TOPIC, 0, 1), LetterId(DLQ_TOPIC, 1, 7)


def _letter(action: str, letter_id: LetterId, **fields: str) -> LetterRecord:
    return LetterRecord.model_validate(
        {
            "action_id": "a1",
            "action": action,
            "operator": "lan",
            "at": NOW,
            "letter": str(letter_id),
            **fields,
        }
    )


def test_an_action_record_round_trips() -> None:
    record = ActionRecord(
        action_id="a1",
        action="replay",
        operator="lan",
        at=NOW,
        dry_run=True,
        selection={"reasons": ["invalid_payload"]},
        options={"rate": 5.0},
        result={"matched": 3, "would_send": 3, "errors": []},
    )
    assert parse_audit(audit_value(record)) == record


def test_a_letter_record_round_trips() -> None:
    record = _letter("replay", FIRST, target=SOURCE_TOPIC, event_id="e1")
    assert parse_audit(audit_value(record)) == record


def test_what_is_no_audit_record_parses_as_none() -> None:
    assert parse_audit(b"not json") is None
    assert parse_audit(b'{"kind": "other"}') is None
    assert parse_audit(None) is None


def test_the_state_is_rebuilt_from_the_log() -> None:
    state = AuditState()
    for record in (
        _letter("replay", FIRST, target=SOURCE_TOPIC),
        _letter("replay", FIRST, target=f"{SOURCE_TOPIC}.replay.g"),
        _letter("discard", SECOND, reason="test data"),
        parse_audit(b"garbage"),
        parse_audit(audit_value(ActionRecord(action_id="a1", action="show", operator="lan", at=NOW))),
    ):
        state.apply(record)
    assert state.replayed_to(FIRST) == (SOURCE_TOPIC, f"{SOURCE_TOPIC}.replay.g")
    assert state.replayed_to(SECOND) == ()
    assert state.is_discarded(SECOND)
    assert not state.is_discarded(FIRST)
    assert state.malformed == 1


def test_a_newer_field_is_ignored_by_an_older_reader() -> None:
    value = audit_value(_letter("discard", SECOND, reason="r"))[:-1] + b', "added_later": 1}'
    record = parse_audit(value)
    assert isinstance(record, LetterRecord)
    assert record.reason == "r"
