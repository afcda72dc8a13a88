"""The hub's periodic check: walk the ledger, reconcile each dossier, ask for drift lookups, expire parked
submissions.

Every ``reconcile_interval_seconds`` the check runs :func:`~hub.rules.reconcile` over the entries that need
attention (:func:`~hub.rules.needs_attention`: not in step with the portal, or with a finding still active, as
of the last look) and those an event changed since; every ``full_check_interval_seconds`` it walks the whole
ledger instead, and rebuilds that watch list. The rule — opening "missing on the portal" and "status mismatch"
findings past the SLA, healing what came back in step, re-syncing (at most once per ``resync_interval``) and
escalating payments for dossiers that never appeared. On a full walk it also keeps the dossiers due for a
drift lookup (:func:`~hub.rules.pick_for_lookup`: in step, the portal's word on them older than
``drift_check_interval_seconds``); after the walk it asks the portal connector to look up at most
``drift_check_batch`` of them, the longest unconfirmed first, each with a ``PortalLookupRequested`` written
through the outbox together with the entry recording the request (so the next rounds do not ask again while
the answer is on its way). Then :func:`~hub.rules.expire_parked` runs over the parking lot, dead-lettering
submissions whose agency code was not issued within the grace period: each is written to the submissions'
dead-letter topic, byte for byte, before the lot lets it go (:mod:`hub.app.lot`).

Each dossier's change is written with the version it was read at (compare-and-set), so the check never
overwrites an event the subscriber applied meanwhile, and another hub instance running the same check on the
same store makes the second write a conflict that is simply skipped: the next round looks again. The commands
go through the outbox like every other command.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import structlog

from contracts import PORTAL_COMMAND_TOPIC, ROUTED_SUBMISSION_TOPIC
from hub.app.lot import LetterWriter, LotSettler
from hub.app.relay import OutboxRelay
from hub.app.state import load_lot, load_table
from hub.app.transform import finding_records, outbox_message
from hub.rules import (
    LedgerEntry,
    expire_parked,
    lookup_due,
    needs_attention,
    pick_for_lookup,
    reconcile,
    release_parked,
    request_lookup,
)
from hub.rules.routing import deliver
from hub.settings import HubSettings
from hub.store import Change, LedgerStore, StoreConflictError, StoredEntry

__all__ = ["CheckReport", "PeriodicCheck"]

_log = structlog.get_logger("hub.app.periodic")


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What one round did."""

    checked: int = 0
    changed: int = 0
    commands: int = 0
    conflicts: int = 0
    settled: int = 0
    """Parked submissions let out of the lot: released to their agency or dead-lettered."""
    lookups: int = 0
    """Drift lookups requested from the portal connector."""
    full: bool = False
    """The round walked the whole ledger (else only the watched dossiers)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PeriodicCheck:
    """Runs :meth:`run_once` every interval until stopped; a failed round is logged and the next one runs."""

    def __init__(
        self,
        settings: HubSettings,
        store: LedgerStore,
        relay: OutboxRelay,
        lock: asyncio.Lock,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        letters: LetterWriter | None = None,
    ) -> None:
        self._settings = settings
        self._rules = settings.rules()
        self._store = store
        self._relay = relay
        self._lock = lock
        self._clock = clock
        self._commands = settings.topic(PORTAL_COMMAND_TOPIC.name)
        routed = settings.topic(ROUTED_SUBMISSION_TOPIC.name)
        self._settler = LotSettler(
            store, self._rules, routed, self._commands, letters=letters, on_outbox=relay.notify
        )
        self._task: asyncio.Task[None] | None = None
        self._watch: set[str] = set()
        self._last_full: float | None = None
        self.rounds = 0
        self.last: CheckReport | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="hub-periodic-check")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.reconcile_interval_seconds)
            try:
                self.last = await self.run_once()
                self.rounds += 1
            except Exception:  # noqa: BLE001 -- a failed round must not end the loop; the next one retries
                _log.exception("periodic check failed; the next round tries again")

    def touch(self, dossier_code: str) -> None:
        """An event changed the dossier: look at it in the next round."""
        self._watch.add(dossier_code)

    async def run_once(self, *, full: bool | None = None) -> CheckReport:
        """One round: the whole ledger when a full walk is due (or ``full``), else the watched dossiers; then
        the parking lot."""
        now = self._clock()
        if full is None:
            last = self._last_full
            full = last is None or time.monotonic() - last >= self._settings.full_check_interval_seconds
        counts = {"checked": 0, "changed": 0, "commands": 0, "conflicts": 0}
        batch = self._settings.drift_check_batch if full else 0
        drift: list[LedgerEntry] = []
        watch: set[str] = set()
        if full:
            self._last_full = time.monotonic()
            self._watch.clear()
        async for stored in self._store.entries() if full else self._watched():
            entry = await self._check(stored, now, counts)
            if needs_attention(entry):
                watch.add(entry.dossier_code)
            if batch:
                drift.append(entry)
                if len(drift) > 2 * batch:  # keep memory bounded however large the ledger
                    drift = list(pick_for_lookup(drift, now, limit=batch, settings=self._rules))
        self._watch |= watch
        lookups = 0
        for candidate in pick_for_lookup(drift, now, limit=batch, settings=self._rules) if batch else ():
            try:
                lookups += await self._request_lookup(candidate.dossier_code, now)
            except StoreConflictError:
                counts["conflicts"] += 1
        settled = await self._settle_lot(now)
        report = CheckReport(**counts, settled=settled, lookups=lookups, full=full)
        if report.changed or report.conflicts or settled or lookups:
            _log.info("periodic check", **{k: getattr(report, k) for k in report.__slots__})
        return report

    async def _watched(self) -> AsyncIterator[StoredEntry]:
        codes, self._watch = sorted(self._watch), set()
        for code in codes:
            stored = await self._store.load(code)
            if stored is not None:
                yield stored

    async def _check(self, stored: StoredEntry, now: dt.datetime, counts: dict[str, int]) -> LedgerEntry:
        """Reconcile one entry and write what changed; the entry as it now stands."""
        counts["checked"] += 1
        entry = LedgerEntry.model_validate_json(stored.entry_json)
        decision = reconcile(entry, now, settings=self._rules)
        if decision.entry == entry and not decision.commands:
            return entry
        change = Change(
            dossier_code=entry.dossier_code,
            expected_version=stored.version,
            entry_json=decision.entry.model_dump_json(),
            event=None,
            findings=finding_records(decision.findings),
            outbox=tuple(outbox_message(self._commands, c) for c in decision.commands),
        )
        try:
            async with self._lock:
                result = await self._store.apply(change)
        except StoreConflictError:  # an event got there first: it put the dossier under watch again
            counts["conflicts"] += 1
            self._watch.add(entry.dossier_code)
            return entry
        self._relay.notify(result.outbox_ids)
        counts["changed"] += 1
        counts["commands"] += len(decision.commands)
        return decision.entry

    async def _request_lookup(self, code: str, now: dt.datetime) -> int:
        """Ask for a lookup of the dossier if it is still due (it may have changed since the walk read it);
        the command goes out through the outbox with the entry recording it. 1 when asked, else 0."""
        stored = await self._store.load(code)
        if stored is None:
            return 0
        entry = LedgerEntry.model_validate_json(stored.entry_json)
        if lookup_due(entry, now, settings=self._rules) is None:
            return 0
        entry, command = request_lookup(entry, now, settings=self._rules)
        change = Change(
            dossier_code=code,
            expected_version=stored.version,
            entry_json=entry.model_dump_json(),
            event=None,
            outbox=(outbox_message(self._commands, command),),
        )
        async with self._lock:
            result = await self._store.apply(change)
        self._relay.notify(result.outbox_ids)
        return 1

    async def _settle_lot(self, now: dt.datetime) -> int:
        """Let out what the table now resolves (a crash may have left it); expire what waited too long."""
        async with self._lock:
            lot, version = await load_lot(self._store)
            if not lot.items:
                return 0
            table, _ = await load_table(self._store)
            release = release_parked(lot, table)
            expiry = expire_parked(release.lot, now)
            released = tuple((item, deliver(resolved)) for item, resolved in release.released)
            dead = (*release.dead_lettered, *expiry.dead_lettered)
            await self._settler.settle(expiry.lot, version, now, released=released, dead_lettered=dead)
        return len(released) + len(dead)
