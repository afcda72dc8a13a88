"""The drift check: which dossiers are due for a portal lookup, the lookup command, and the answer applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import DossierStatus, LookupReason, PortalLookupCompleted
from hub.rules import (
    FindingState,
    FindingType,
    LedgerEntry,
    Outcome,
    apply_lookup_completed,
    apply_sync_completed,
    lookup_due,
    pick_for_lookup,
    request_lookup,
)
from hub.rules.ledger import PortalView
from tests.unit.hub.factories import CODE, applied, at, completed, envelope, event

HOURS_6 = dt.timedelta(hours=6)


def _in_step(code: str = CODE, acknowledged: dt.datetime | None = None) -> LedgerEntry:
    """Received 08:00, processing 09:00 (revision 2), acknowledged by the portal at 09:01 unless told."""
    entry = applied(event(2, at(1, 8), "e1", code=code), event(4, at(1, 9), "e2", code=code))
    when = acknowledged or at(1, 9, 1)
    return apply_sync_completed(entry, completed(2, 4, when, code=code), when).entry


def _answer(status: int | None, looked_up: dt.datetime, event_id: str = "look-1") -> Any:
    data = PortalLookupCompleted(
        dossier_code=CODE,
        found=status is not None,
        status=status,
        looked_up_at=looked_up,
        requested_at=looked_up - dt.timedelta(seconds=5),
    )
    return envelope(data, event_id, source="portal-connector", time=looked_up)


def test_a_dossier_in_step_is_due_once_the_portals_word_is_older_than_the_interval() -> None:
    entry = _in_step()
    assert lookup_due(entry, at(1, 9, 1) + HOURS_6 - dt.timedelta(seconds=1)) is None
    assert lookup_due(entry, at(1, 9, 1) + HOURS_6) == at(1, 9, 1)


def test_a_dossier_out_of_step_is_left_to_reconcile() -> None:
    pending = applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"))
    assert lookup_due(pending, at(3)) is None
    assert lookup_due(pending.model_copy(update={"province": None}), at(3)) is None


def test_a_requested_lookup_holds_the_dossier_until_answered_or_overdue() -> None:
    asked_at = at(1, 16)
    entry, command = request_lookup(_in_step(), asked_at)
    assert (command.data.dossier_code, command.data.reason, command.data.requested_at) == (
        CODE,
        LookupReason.DRIFT,
        asked_at,
    )
    assert command.id == request_lookup(_in_step(), asked_at)[1].id, "a replayed decision, the same id"
    assert entry.portal.lookup_requested_at == asked_at
    assert lookup_due(entry, asked_at + dt.timedelta(minutes=14)) is None
    assert lookup_due(entry, asked_at + dt.timedelta(minutes=15)) == at(1, 9, 1), "no answer came: ask again"


def test_an_answer_restarts_the_interval_from_when_it_was_applied() -> None:
    entry, _ = request_lookup(_in_step(), at(1, 16))
    answered = apply_lookup_completed(entry, _answer(4, at(1, 16, 1)), at(1, 16, 2)).entry
    assert answered.portal.looked_up_at == at(1, 16, 2)
    assert lookup_due(answered, at(1, 16, 3)) is None
    assert lookup_due(answered, at(1, 16, 2) + HOURS_6) == at(1, 16, 2)


def test_the_pick_is_bounded_and_takes_the_longest_unconfirmed_first() -> None:
    codes = [f"{CODE[:-4]}{n:04d}" for n in range(1, 6)]
    entries = [_in_step(code, acknowledged=at(1, 9, 5 - n)) for n, code in enumerate(codes)]
    not_due = _in_step(f"{CODE[:-4]}0009", acknowledged=at(2, 9))
    picked = pick_for_lookup([*entries, not_due], at(2, 9) + dt.timedelta(hours=1), limit=3)
    assert [e.dossier_code for e in picked] == [codes[4], codes[3], codes[2]]
    assert pick_for_lookup(entries, at(3), limit=0) == ()


def test_a_lookup_finding_the_provinces_status_opens_nothing() -> None:
    entry, _ = request_lookup(_in_step(), at(1, 16))
    decision = apply_lookup_completed(entry, _answer(4, at(1, 16, 1)), at(1, 16, 1))
    assert (decision.outcome, decision.findings, decision.commands) == (Outcome.CHECKED, (), ())
    assert decision.entry.in_step
    assert decision.entry.portal.looked_up_status is DossierStatus.PROCESSING


def test_a_lookup_finding_another_status_opens_a_mismatch_and_resyncs() -> None:
    entry, _ = request_lookup(_in_step(), at(1, 16))
    decision = apply_lookup_completed(entry, _answer(2, at(1, 16, 1)), at(1, 16, 1))
    (finding,) = decision.findings
    assert (finding.type, finding.state) == (FindingType.STATUS_MISMATCH, FindingState.OPEN)
    (command,) = decision.commands
    assert (command.data.revision, command.data.dossier.status) == (2, DossierStatus.PROCESSING)
    assert lookup_due(decision.entry, at(2)) is None, "out of step now: the re-sync settles it"


def test_a_lookup_not_finding_the_dossier_is_missing_on_portal() -> None:
    decision = apply_lookup_completed(_in_step(), _answer(None, at(1, 16, 1)), at(1, 16, 1))
    assert [f.type for f in decision.findings] == [FindingType.MISSING_ON_PORTAL]
    assert len(decision.commands) == 1


def test_a_repeated_or_outdated_answer_changes_nothing() -> None:
    entry = apply_lookup_completed(_in_step(), _answer(4, at(1, 16, 1)), at(1, 16, 1)).entry
    again = apply_lookup_completed(entry, _answer(2, at(1, 16, 1)), at(1, 16, 2))
    assert (again.outcome, again.entry) == (Outcome.DUPLICATE, entry)
    older = apply_lookup_completed(_in_step(), _answer(2, at(1, 9), "look-2"), at(1, 16, 3))
    assert older.outcome is Outcome.STALE, "looked up before the portal acknowledged the current revision"
    assert (older.findings, older.commands, older.entry.in_step) == ((), (), True)


def test_an_entry_stored_before_lookups_existed_reads_back() -> None:
    stored = _in_step().model_dump(mode="json")
    del stored["portal"]["lookup_requested_at"]
    entry = LedgerEntry.model_validate(stored)
    assert entry.portal.lookup_requested_at is None
    assert PortalView.model_validate({}).lookup_requested_at is None
