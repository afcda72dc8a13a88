"""Bringing dossiers up to date when the parking lot lets submissions out (released or dead-lettered).

Order makes it crash-safe without one transaction across documents: each released or dead-lettered item's
entry is written first (idempotent: its event id derives from the item), with the ``SubmissionRouted`` event
for the province in the same transaction; the lot is written last. A crash in between leaves the items in the
lot, and the next identity event or periodic check lets them out again — the entry writes are then recognised
as repeats and only the lot changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import structlog

from hub.app.state import PARKING_LOT
from hub.app.transform import finding_records, outbox_message
from hub.rules import (
    Deliver,
    LedgerEntry,
    ParkedItem,
    ParkingLot,
    RuleSettings,
    new_entry,
    record_dead_lettered,
    record_released,
    routed_submission,
)
from hub.store import Change, EventId, LedgerStore, OutboxMessage, StoreConflictError

__all__ = ["LotSettler"]

_log = structlog.get_logger("hub.app.lot")
_ATTEMPTS = 3


class LotSettler:
    """Writes what leaving the lot means for each dossier, then the lot itself."""

    def __init__(
        self,
        store: LedgerStore,
        settings: RuleSettings,
        routed_topic: str,
        *,
        on_outbox: Callable[[Iterable[int]], None] = lambda _ids: None,
    ) -> None:
        self._store = store
        self._on_outbox = on_outbox
        self._settings = settings
        self._routed_topic = routed_topic

    async def settle(
        self,
        lot: ParkingLot,
        lot_version: int,
        now: dt.datetime,
        *,
        released: tuple[tuple[ParkedItem, Deliver], ...] = (),
        dead_lettered: tuple[tuple[ParkedItem, str], ...] = (),
    ) -> bool:
        """Write the entries of the items that left, then ``lot``; False when the lot moved meanwhile."""
        if not released and not dead_lettered:
            return True
        for item, delivered in released:
            await self._write_entry(item, "released", now, delivered=delivered)
        for item, reason in dead_lettered:
            await self._write_entry(item, "dead_lettered", now, reason=reason)
        try:
            await self._store.put_state(PARKING_LOT, lot.model_dump_json(), lot_version)
        except StoreConflictError:
            _log.info("the parking lot moved meanwhile; the next pass settles it", version=lot_version)
            return False
        return True

    async def _write_entry(
        self,
        item: ParkedItem,
        what: str,
        now: dt.datetime,
        *,
        delivered: Deliver | None = None,
        reason: str = "",
    ) -> None:
        code = item.dossier_code
        event = EventId(source=self._settings.source, id="{}:{}:{}".format(what, *item.key))
        for _ in range(_ATTEMPTS):
            stored = await self._store.load(code)
            entry = new_entry(code) if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
            outbox: tuple[OutboxMessage, ...] = ()
            if delivered is not None:
                decision = record_released(entry, item, delivered, now)
                if decision.entry.submission is not None:
                    routed = routed_submission(decision.entry.submission, self._settings)
                    outbox = (outbox_message(self._routed_topic, routed),)
            else:
                decision = record_dead_lettered(entry, item, reason, now)
            change = Change(
                dossier_code=code,
                expected_version=0 if stored is None else stored.version,
                entry_json=decision.entry.model_dump_json(),
                event=event,
                findings=finding_records(decision.findings),
                outbox=outbox,
            )
            try:
                result = await self._store.apply(change)
                self._on_outbox(result.outbox_ids)
                return
            except StoreConflictError:
                continue
        raise StoreConflictError(f"dossier {code} kept changing while its parked submission was {what}")
