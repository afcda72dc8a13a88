"""The lot dead-letters a parked submission before it lets it go: a crash after the entry recorded the dead
letter writes no second one; a crash between the dead letter and the entry writes the same record twice, and
either copy, replayed or discarded, still takes effect once (SQLite ledger, no broker)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts import encode
from hub.app.lot import LotSettler
from hub.app.state import PARKING_LOT, load_lot
from hub.rules import (
    DeadLetterCause,
    LedgerEntry,
    Outcome,
    ParkedItem,
    ParkingLot,
    RawRecord,
    RoutingTable,
    SubmissionState,
    expire_parked,
    record_discarded,
    route_submission,
)
from hub.settings import HubSettings
from hub.store import Change, EventId, LedgerStore, StoreUnavailableError, open_store
from tests.unit.hub.factories import CODE, at, issued, submission, table_of

_RULES = HubSettings(http_enabled=False).rules()


class _Letters:
    """Counts the dead letters written; each gets the next offset."""

    def __init__(self) -> None:
        self.written: list[tuple[str, str]] = []

    async def write(self, item: ParkedItem, cause: DeadLetterCause, now: dt.datetime) -> str:
        self.written.append((item.envelope.id, cause.code))
        return f"subs.dlq:0:{len(self.written) - 1}"


class _Crashing:
    """The store, failing the next ``apply`` or ``put_state`` once when told to (a crash at that point)."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self.fail: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def apply(self, change: Change) -> Any:
        self._crash("apply")
        return await self._store.apply(change)

    async def put_state(self, *args: Any, **kwargs: Any) -> Any:
        self._crash("put_state")
        return await self._store.put_state(*args, **kwargs)

    def _crash(self, where: str) -> None:
        if self.fail == where:
            self.fail = None
            raise StoreUnavailableError(f"the process died before {where}")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[LedgerStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        yield opened
    finally:
        await opened.close()


async def _parked(store: LedgerStore) -> None:
    sent = submission()
    record = encode(sent)
    raw = RawRecord(
        topic="subs", partition=0, offset=3, key=record.key, value=record.value, headers=record.headers
    )
    routed = route_submission(None, ParkingLot(), RoutingTable(), sent, at(1, 7), raw=raw, settings=_RULES)
    await store.put_state(PARKING_LOT, routed.lot.model_dump_json(), 0)
    await store.apply(Change(CODE, 0, routed.entry.model_dump_json(), event=EventId("portal", sent.id)))


async def _expire(store: Any, letters: _Letters) -> bool:
    lot, version = await load_lot(store)
    expiry = expire_parked(lot, at(9, 7))
    settler = LotSettler(store, _RULES, "routed", "commands", letters=letters)
    return await settler.settle(expiry.lot, version, at(9, 7), dead_lettered=expiry.dead_lettered)


async def _entry(store: LedgerStore) -> LedgerEntry:
    stored = await store.load(CODE)
    assert stored is not None
    return LedgerEntry.model_validate_json(stored.entry_json)


async def test_a_crash_after_the_entry_recorded_the_dead_letter_writes_no_second_one(
    store: LedgerStore,
) -> None:
    await _parked(store)
    crashing, letters = _Crashing(store), _Letters()
    crashing.fail = "put_state"
    with pytest.raises(StoreUnavailableError):
        await _expire(crashing, letters)
    assert await _expire(crashing, letters)
    assert letters.written == [("portal-submission-1", "unknown_agency_code")]
    lot, _ = await load_lot(store)
    assert lot.items == ()
    assert [ref.letter for ref in lot.letters] == ["subs.dlq:0:0"]
    entry = await _entry(store)
    assert entry.submission is not None
    assert (entry.submission.state, entry.submission.dead_letter) == (
        SubmissionState.DEAD_LETTERED,
        "subs.dlq:0:0",
    )


async def test_a_crash_between_the_dead_letter_and_the_entry_leaves_two_copies_with_one_effect(
    store: LedgerStore,
) -> None:
    await _parked(store)
    crashing, letters = _Crashing(store), _Letters()
    crashing.fail = "apply"
    with pytest.raises(StoreUnavailableError):
        await _expire(crashing, letters)
    assert (await _entry(store)).blocked
    assert await _expire(crashing, letters)
    assert len(letters.written) == 2, "the same record lies twice in the dead-letter topic"
    lot, _ = await load_lot(store)
    assert lot.letter_of("portal-submission-1") is not None, "a discard of either copy (same ce_id) is found"
    dead = await _entry(store)
    table = table_of(issued("000.00.40.H14"))
    first = route_submission(dead, lot, table, submission(), at(10), settings=_RULES)
    assert first.replayed
    assert first.outcome is Outcome.APPLIED
    second = route_submission(first.entry, first.lot, table, submission(), at(10, 9), settings=_RULES)
    assert second.outcome is Outcome.DUPLICATE, "the second copy replayed has no effect"
    discarded = record_discarded(first.entry, "portal-submission-1", at(11), settings=_RULES)
    assert discarded.outcome is Outcome.DUPLICATE, "a discard after the replay changes nothing"
