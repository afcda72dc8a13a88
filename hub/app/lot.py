"""Bringing dossiers up to date when the parking lot lets submissions out (released or dead-lettered).

Order makes it crash-safe without one transaction across Kafka and the documents:

1. a dead-lettered item's dead letter is written first (:class:`~hub.app.dead_letters.ParkedLetters`: the
   original bytes, acknowledged by Kafka in a transaction of its own);
2. each item's entry is written next (idempotent: its event id derives from the item), recording the dead
   letter's coordinates — or, for a released item, with the ``SubmissionRouted`` event for the province in the
   same transaction, and the dossier's held events applied in it too;
3. the lot is written last, remembering the dead letters until they are replayed or discarded.

A crash after 2 leaves the item in the lot; the next identity event or periodic check lets it out again,
finds its entry already recording the dead letter, and only writes the lot. A crash between 1 and 2 is the
one window left: the item is dead-lettered again, so the same record lies twice in the dead-letter topic.
Both copies carry the same ``ce_id``; the hub applies a replayed submission once however often it comes
back, and a discard of either copy releases the dossier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Protocol

import structlog

from hub.app.state import PARKING_LOT
from hub.app.transform import finding_records, outbox_message
from hub.rules import (
    DeadLetterCause,
    Decision,
    Deliver,
    LedgerEntry,
    LetterRef,
    ParkedItem,
    ParkingLot,
    RuleSettings,
    SubmissionState,
    new_entry,
    record_dead_lettered,
    record_released,
    routed_submission,
)
from hub.store import Change, EventId, LedgerStore, OutboxMessage, StoreConflictError

__all__ = ["LetterWriter", "LotSettler", "settled_event_id"]

_log = structlog.get_logger("hub.app.lot")
_ATTEMPTS = 3


class LetterWriter(Protocol):
    """Writes a parked item's dead letter durably and returns its ``TOPIC:PARTITION:OFFSET``."""

    async def write(self, item: ParkedItem, cause: DeadLetterCause, now: dt.datetime) -> str: ...


def settled_event_id(what: str, item: ParkedItem) -> str:
    """The store's event id of an item leaving the lot; a replayed submission parked again leaves anew."""
    source, event = item.key
    return f"{what}:{source}:{event}" if not item.generation else f"{what}#{item.generation}:{source}:{event}"


def _recorded_letter(entry: LedgerEntry | None, item: ParkedItem) -> str | None:
    """The dead letter the entry already records for this parking of the item (a crash after step 2)."""
    record = None if entry is None else entry.submission
    if (
        record is not None
        and record.event == item.key
        and record.state is SubmissionState.DEAD_LETTERED
        and record.dead_letters > item.generation
    ):
        return record.dead_letter
    return None


class LotSettler:
    """Writes what leaving the lot means for each dossier, then the lot itself."""

    def __init__(
        self,
        store: LedgerStore,
        settings: RuleSettings,
        routed_topic: str,
        commands_topic: str,
        *,
        letters: LetterWriter | None = None,
        on_outbox: Callable[[Iterable[int]], None] = lambda _ids: None,
    ) -> None:
        self._store = store
        self._on_outbox = on_outbox
        self._settings = settings
        self._routed_topic = routed_topic
        self._commands_topic = commands_topic
        self._letters = letters

    async def settle(
        self,
        lot: ParkingLot,
        lot_version: int,
        now: dt.datetime,
        *,
        released: tuple[tuple[ParkedItem, Deliver], ...] = (),
        dead_lettered: tuple[tuple[ParkedItem, DeadLetterCause], ...] = (),
    ) -> bool:
        """Write the entries of the items that left, then ``lot``; False when the lot moved meanwhile."""
        if not released and not dead_lettered:
            return True
        for item, delivered in released:
            await self._write(
                item, "released", partial(self._released, item=item, delivered=delivered, now=now)
            )
        refs: list[LetterRef] = []
        for item, cause in dead_lettered:
            letter = await self._dead_letter(item, cause, now)
            if letter is not None:
                refs.append(LetterRef(event=item.key, dossier_code=item.dossier_code, letter=letter))
        try:
            await self._store.put_state(
                PARKING_LOT, lot.with_letters(tuple(refs)).model_dump_json(), lot_version
            )
        except StoreConflictError:
            _log.info("the parking lot moved meanwhile; the next pass settles it", version=lot_version)
            return False
        return True

    def _released(
        self, entry: LedgerEntry, *, item: ParkedItem, delivered: Deliver, now: dt.datetime
    ) -> Decision:
        return record_released(entry, item, delivered, now, settings=self._settings)

    async def _dead_letter(self, item: ParkedItem, cause: DeadLetterCause, now: dt.datetime) -> str | None:
        stored = await self._store.load(item.dossier_code)
        entry = None if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
        letter = _recorded_letter(entry, item)
        if letter is not None:
            return letter
        if self._letters is None:
            raise RuntimeError("the lot dead-letters a submission but no dead-letter writer was given")
        letter = await self._letters.write(item, cause, now)
        decide = partial(self._dead_lettered, item=item, cause=cause, now=now, letter=letter)
        await self._write(item, "dead_lettered", decide)
        return letter

    @staticmethod
    def _dead_lettered(
        entry: LedgerEntry, *, item: ParkedItem, cause: DeadLetterCause, now: dt.datetime, letter: str
    ) -> Decision:
        return record_dead_lettered(entry, item, cause, now, letter=letter)

    async def _write(self, item: ParkedItem, what: str, decide: Callable[[LedgerEntry], Decision]) -> None:
        code = item.dossier_code
        event = EventId(source=self._settings.source, id=settled_event_id(what, item))
        for _ in range(_ATTEMPTS):
            stored = await self._store.load(code)
            entry = new_entry(code) if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
            decision = decide(entry)
            outbox: list[OutboxMessage] = []
            submission = decision.entry.submission
            if what == "released" and submission is not None:
                outbox.append(
                    outbox_message(self._routed_topic, routed_submission(submission, self._settings))
                )
            outbox.extend(outbox_message(self._commands_topic, command) for command in decision.commands)
            change = Change(
                dossier_code=code,
                expected_version=0 if stored is None else stored.version,
                entry_json=decision.entry.model_dump_json(),
                event=event,
                findings=finding_records(decision.findings),
                outbox=tuple(outbox),
            )
            try:
                result = await self._store.apply(change)
                self._on_outbox(result.outbox_ids)
                return
            except StoreConflictError:
                continue
        raise StoreConflictError(f"dossier {code} kept changing while its parked submission was {what}")
