"""A dossier whose online submission is parked or dead-lettered: its later events are held, in order, and
applied once the submission is released, replayed or its dead letter discarded; the lot keeps the original
record for a byte-for-byte dead letter, and each dead letter's cause names codes, not people."""

from __future__ import annotations

from typing import Any

from contracts import DOSSIER_TOPIC, PAYMENT_TOPIC, encode
from hub.rules import (
    Deliver,
    FindingState,
    FindingType,
    LedgerEntry,
    LetterRef,
    Outcome,
    ParkingLot,
    RawRecord,
    RoutingTable,
    SubmissionState,
    expire_parked,
    hold_event,
    record_dead_lettered,
    record_discarded,
    record_released,
    release_held,
    route_submission,
)
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE
from tests.unit.hub.factories import AGENCY, CODE, at, closed, event, issued, payment, submission, table_of

_PERSONAL = (APPLICANT_NAME, PERSONAL_ID, PHONE)
OLD = "000.00.31.H14"
OTHER = "000.00.32.H14"


def _raw(envelope: Any, topic: str = "t", offset: int = 0) -> RawRecord:
    record = encode(envelope)
    return RawRecord(
        topic=topic, partition=1, offset=offset, key=record.key, value=record.value, headers=record.headers
    )


def _parked() -> tuple[LedgerEntry, ParkingLot]:
    sent = submission()
    routed = route_submission(None, ParkingLot(), RoutingTable(), sent, at(1, 7), raw=_raw(sent))
    assert routed.entry.submission is not None
    assert routed.entry.submission.state is SubmissionState.PARKED
    return routed.entry, routed.lot


def _held(entry: LedgerEntry) -> LedgerEntry:
    """Three later events of the dossier held while its submission blocks: two statuses and a payment."""
    later = [
        (DOSSIER_TOPIC.name, event(2, at(1, 9), "e-1")),
        (PAYMENT_TOPIC.name, payment("succeeded", when=at(1, 9, 30))),
        (DOSSIER_TOPIC.name, event(4, at(1, 10), "e-2")),
    ]
    for offset, (topic, sent) in enumerate(later):
        decision = hold_event(entry, topic, sent, _raw(sent, offset=offset), at(1, 11))
        assert decision.outcome is Outcome.HELD
        entry = decision.entry
    return entry


def test_a_parked_item_keeps_its_original_record_byte_for_byte_through_json() -> None:
    _, lot = _parked()
    (item,) = lot.items
    odd = item.model_copy(
        update={"raw": RawRecord(topic="t", partition=0, offset=7, key=b"\xff\x00", value=b"{}")}
    )
    again = ParkingLot.model_validate_json(lot.model_copy(update={"items": (odd,)}).model_dump_json())
    assert again.items[0].raw == odd.raw
    assert item.raw == _raw(submission())


def test_events_of_a_blocked_dossier_are_held_in_order_and_not_applied() -> None:
    entry, _ = _parked()
    held = _held(entry)
    assert [h.event[1] for h in held.held] == ["e-1", f"pay-succeeded-{CODE}-20250701090000-PG0001", "e-2"]
    assert (held.province, held.history, held.payments) == (None, (), ())
    repeat = hold_event(
        held, DOSSIER_TOPIC.name, event(2, at(1, 9), "e-1"), _raw(event(2, at(1, 9), "e-1")), at(1, 12)
    )
    assert repeat.outcome is Outcome.DUPLICATE
    assert release_held(held, at(1, 12)).entry == held, "nothing is applied while the submission blocks"


def test_releasing_the_parked_submission_applies_the_held_events_in_arrival_order() -> None:
    entry, lot = _parked()
    entry = _held(entry)
    decision = record_released(entry, lot.items[0], Deliver(target_code=AGENCY, province="H14"), at(2, 8))
    assert decision.entry.held == ()
    assert [r.event[1] for r in decision.entry.history] == ["e-1", "e-2"]
    assert decision.entry.revision == 2
    assert len(decision.entry.payments) == 1
    assert decision.commands, "the applied events are synced to the portal as on arrival"


def test_the_grace_expiry_gives_codes_and_reasons_without_personal_data() -> None:
    entry, lot = _parked()
    behind = route_submission(entry, lot, RoutingTable(), submission(cursor=2), at(1, 8))
    change = expire_parked(behind.lot, at(9, 8))
    causes = [cause for _, cause in change.dead_lettered]
    assert [c.code for c in causes] == ["unknown_agency_code", "held_behind_dead_letter"]
    assert [c.error_class for c in causes] == ["UnknownAgencyCode", "HeldBehindDeadLetter"]
    for cause in causes:
        assert AGENCY in cause.reason
        assert not any(secret in cause.reason for secret in _PERSONAL)


def test_a_dead_lettered_submission_keeps_holding_until_its_dead_letter_is_discarded() -> None:
    entry, lot = _parked()
    (item,) = lot.items
    letter = "lienthong.portal.submissions.v1.dlq:0:5"
    dead = record_dead_lettered(
        _held(entry), item, expire_parked(lot, at(9)).dead_lettered[0][1], at(9), letter=letter
    )
    assert dead.entry.blocked
    assert dead.entry.submission is not None
    assert (dead.entry.submission.dead_letters, dead.entry.submission.dead_letter) == (1, letter)
    assert record_discarded(dead.entry, "another-event", at(10)).outcome is Outcome.DUPLICATE
    discarded = record_discarded(dead.entry, item.envelope.id, at(10))
    assert discarded.entry.submission is not None
    assert discarded.entry.submission.state is SubmissionState.DISCARDED
    assert [r.event[1] for r in discarded.entry.history] == ["e-1", "e-2"]
    assert discarded.entry.held == ()
    (finding,) = [f for f in discarded.findings if f.type is FindingType.UNKNOWN_AGENCY_CODE]
    assert finding.state is FindingState.HEALED
    assert record_discarded(discarded.entry, item.envelope.id, at(11)).outcome is Outcome.DUPLICATE


def test_a_replayed_submission_is_routed_once_and_releases_the_held_events() -> None:
    entry, lot = _parked()
    (item,) = lot.items
    cause = expire_parked(lot, at(9)).dead_lettered[0][1]
    dead = record_dead_lettered(_held(entry), item, cause, at(9), letter="dlq:0:5").entry
    lot = ParkingLot(letters=(LetterRef(event=item.key, dossier_code=CODE, letter="dlq:0:5"),))
    table = table_of(issued(AGENCY))
    replayed = route_submission(dead, lot, table, submission(), at(10), raw=_raw(submission()))
    assert replayed.replayed
    assert replayed.route == Deliver(target_code=AGENCY, province="H14")
    assert replayed.lot.letters == ()
    assert replayed.entry.submission is not None
    assert replayed.entry.submission.state is SubmissionState.ROUTED
    assert [r.event[1] for r in replayed.entry.history] == ["e-1", "e-2"]
    again = route_submission(replayed.entry, replayed.lot, table, submission(), at(11))
    assert again.outcome is Outcome.DUPLICATE


def test_a_replay_while_the_code_is_still_unknown_parks_it_again_as_a_new_generation() -> None:
    entry, lot = _parked()
    (item,) = lot.items
    dead = record_dead_lettered(entry, item, "code not issued", at(9), letter="dlq:0:5").entry
    replayed = route_submission(dead, ParkingLot(), RoutingTable(), submission(), at(10))
    assert replayed.replayed
    (again,) = replayed.lot.items
    assert again.generation == 1
    assert replayed.entry.blocked


def test_a_submission_dead_lettered_on_arrival_without_a_dead_letter_holds_nothing_back() -> None:
    table = table_of(closed(OLD, OTHER), closed(OTHER, OLD))
    dead = route_submission(
        None, ParkingLot(), table, submission(agency=OLD, code=f"{OLD}-250701-0001"), at(1, 7)
    )
    assert dead.entry.submission is not None
    assert dead.entry.submission.state is SubmissionState.DEAD_LETTERED
    assert not dead.entry.blocked
    again = route_submission(
        dead.entry, dead.lot, table, submission(agency=OLD, code=f"{OLD}-250701-0001"), at(2)
    )
    assert again.outcome is Outcome.DUPLICATE, "a re-delivery is not mistaken for a replay"
