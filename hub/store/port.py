"""The state store's port: what the hub's subscribers, relay and reports need from a database.

A subscriber handles one Kafka record like this::

    stored = await store.load(code)                      # entry JSON + version, or None
    decision = rule(entry_from(stored), event, now)      # pure
    result = await store.apply(Change(code, stored.version if stored else 0, decision.entry.model_dump_json(),
                                      EventId(source, id), findings=..., outbox=...))
    # result.duplicate: seen before, nothing written. StoreConflictError: another instance won; reload, retry.
    publish the rows result.outbox_ids names, then mark_published(result.outbox_ids)
    commit the Kafka offset

The entry, the findings, the processed event id and the outbox rows commit in one transaction, so a crash
anywhere leaves either all of them or none; commands written but not yet published are found again by
:meth:`LedgerStore.pending_outbox` (a periodic sweep; each instance publishes the rows its own ``apply``
returned at once). Publishing is at least once: a crash between publishing and
:meth:`LedgerStore.mark_published`, or two instances sweeping together, publishes a row again — which is why
commands carry derived, stable ids that the consumer recognises.

Two adapters implement it — :class:`~hub.store.sqlite.SqliteLedgerStore` (one hub instance) and
:class:`~hub.store.postgres.PostgresLedgerStore` (several instances in one consumer group) — and one contract
test suite runs against both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Protocol, runtime_checkable

from hub.store.records import (
    ApplyResult,
    Change,
    EventId,
    FindingQuery,
    FindingRecord,
    OutboxMessage,
    PendingMessage,
    StoredEntry,
    StoredState,
)

__all__ = ["LedgerStore"]


@runtime_checkable
class LedgerStore(Protocol):
    """Ledger entries, findings, the processed-event index, the outbox and named state documents.

    Every method may raise a :class:`~hub.store.errors.StoreError`; its ``retriable`` says whether to retry.
    """

    @property
    def url(self) -> str:
        """Where the data lives, password masked (for logs)."""
        ...

    async def load(self, dossier_code: str) -> StoredEntry | None:
        """The dossier's entry and version; None when the hub has not stored one."""
        ...

    async def apply(self, change: Change) -> ApplyResult:
        """Write the change atomically, or nothing when its event was already applied to this dossier.

        Raises :class:`~hub.store.errors.StoreConflictError` when the entry is not at
        ``change.expected_version`` any more (nothing is written then either).
        """
        ...

    async def pending_outbox(self, limit: int = 100) -> tuple[PendingMessage, ...]:
        """Outbox rows not yet marked published, oldest first."""
        ...

    async def mark_published(self, ids: Iterable[int]) -> int:
        """Mark outbox rows published; returns how many were pending (unknown or already marked ids: 0)."""
        ...

    def entries(self, *, batch_size: int = 500) -> AsyncIterator[StoredEntry]:
        """Every stored entry, by dossier code, read ``batch_size`` at a time.

        Each entry is read consistently; the whole walk is not one snapshot (an entry written meanwhile may be
        seen in its old or new version), which is what periodic indicators and reports need."""
        ...

    async def findings(self, query: FindingQuery | None = None) -> tuple[FindingRecord, ...]:
        """Stored findings matching ``query``, oldest opened first."""
        ...

    async def finding_counts(self) -> dict[tuple[str, str], int]:
        """How many findings there are per ``(type, state)``."""
        ...

    async def get_state(self, name: str) -> StoredState | None:
        """A named state document and its version; None when never written."""
        ...

    async def put_state(
        self,
        name: str,
        value_json: str,
        expected_version: int,
        *,
        event: EventId | None = None,
        findings: tuple[FindingRecord, ...] = (),
        outbox: tuple[OutboxMessage, ...] = (),
    ) -> ApplyResult:
        """Write a state document if it is still at ``expected_version`` (0: it does not exist yet).

        ``event``, ``findings`` and ``outbox`` work as in :meth:`apply`: an identity event updating the
        routing table records its registry findings and the commands releasing parked dossiers in the same
        transaction, and is applied once."""
        ...

    async def close(self) -> None:
        """Release the connection; the store cannot be used afterwards."""
        ...
