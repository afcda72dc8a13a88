"""The values that cross the state store's port: what is stored, what one change writes, what comes back.

Payloads stay JSON text (a ledger entry, a routing table, a finding as the rules serialise them): the store
keeps them byte for byte and never parses them, so it depends on no rule model. Codes, types and states are
plain strings for the same reason (the rules' ``StrEnum`` values pass as they are).

Timestamps must be timezone-aware; the store keeps them in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ApplyOutcome",
    "ApplyResult",
    "Change",
    "EventId",
    "FindingQuery",
    "FindingRecord",
    "OutboxMessage",
    "PendingMessage",
    "StoredEntry",
    "StoredState",
    "finding_id",
]


def _require_aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_text(name: str, value: str) -> None:
    if not value:
        raise ValueError(f"{name} must not be empty")


def finding_id(type_: str, subject: str, key: str = "") -> str:
    """The stable id of a finding: the rules identify one by ``(type, subject, key)``."""
    return f"{type_}|{subject}|{key}"


class ApplyOutcome(StrEnum):
    APPLIED = "applied"
    """Everything in the change was written, in one transaction."""
    DUPLICATE = "duplicate"
    """The change's event was already applied to this key: nothing was written."""


@dataclass(frozen=True, slots=True)
class EventId:
    """A CloudEvent's ``(source, id)``: unique per event, the idempotent consumer's key."""

    source: str
    id: str

    def __post_init__(self) -> None:
        _require_text("event source", self.source)
        _require_text("event id", self.id)


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A dossier's ledger entry as stored, with the version to pass back as ``Change.expected_version``."""

    dossier_code: str
    entry_json: str
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredState:
    """One named state document (the routing table, the parking lot, a consumer's bookkeeping)."""

    name: str
    value_json: str
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A finding as the store keeps it for queries and counts; ``data_json`` holds the rules' full record."""

    finding_id: str
    subject: str
    """The dossier code (the agency code for a registry finding), as ``Finding.subject`` in the rules."""
    type: str
    state: str
    detail: str
    opened_at: dt.datetime
    healed_at: dt.datetime | None = None
    data_json: str = "{}"

    def __post_init__(self) -> None:
        _require_text("finding id", self.finding_id)
        _require_text("finding subject", self.subject)
        _require_aware("opened_at", self.opened_at)
        _require_aware("healed_at", self.healed_at)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A Kafka record to publish once the transaction that wrote it has committed."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()

    def __post_init__(self) -> None:
        _require_text("outbox topic", self.topic)


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """An outbox row not yet marked published; ``id`` goes to ``mark_published``."""

    id: int
    message: OutboxMessage
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Change:
    """Everything one handled event writes to one dossier, committed together or not at all.

    ``expected_version`` is the version :meth:`LedgerStore.load` returned (0 when it returned None): the write
    succeeds only if the entry is still at that version. ``event`` makes the write idempotent: when it was
    already applied to this dossier, nothing is written. A periodic check that no event triggered passes None.
    """

    dossier_code: str
    expected_version: int
    entry_json: str
    event: EventId | None
    findings: tuple[FindingRecord, ...] = ()
    outbox: tuple[OutboxMessage, ...] = ()

    def __post_init__(self) -> None:
        _require_text("dossier code", self.dossier_code)
        if self.expected_version < 0:
            raise ValueError("expected_version must be 0 (no entry yet) or a stored version")
        ids = [f.finding_id for f in self.findings]
        if len(ids) != len(set(ids)):
            raise ValueError("a change names each finding once")


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :meth:`LedgerStore.apply` (or ``put_state``) did."""

    outcome: ApplyOutcome
    version: int
    """The version now stored: the new one when applied, the current one (0: none) for a duplicate."""
    outbox_ids: tuple[int, ...] = ()
    """Ids of the outbox rows written, in the change's order: publish them, then mark them published."""

    @property
    def applied(self) -> bool:
        return self.outcome is ApplyOutcome.APPLIED

    @property
    def duplicate(self) -> bool:
        return self.outcome is ApplyOutcome.DUPLICATE


@dataclass(frozen=True, slots=True)
class FindingQuery:
    """A filter over stored findings; None matches anything. Results come oldest first."""

    type: str | None = None
    state: str | None = None
    subject: str | None = None
    limit: int = 1000

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("limit must be positive")
