"""The store's data statements, written once for both dialects with ``?`` placeholders.

The schema differs per dialect (:mod:`hub.store.schema`); the statements that read and write it do not: both
SQLite and PostgreSQL speak ``INSERT … ON CONFLICT`` with ``excluded``. The PostgreSQL adapter swaps the
placeholders with :func:`for_postgres`.

Versioned documents — ledger entries and named state — share one shape (key, JSON body, version, updated_at)
and one compare-and-set protocol: insert at version 1 only if absent, update only at the expected version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hub.store.records import Change, EventId, FindingRecord, OutboxMessage

__all__ = [
    "ENTRIES_AFTER",
    "ENTRY",
    "FINDING_COUNTS",
    "FINDING_UPSERT",
    "OUTBOX_INSERT",
    "OUTBOX_PENDING",
    "PROCESSED_INSERT",
    "STATE",
    "DocumentStatements",
    "DocumentWrite",
    "Scope",
    "finding_select",
    "for_postgres",
]

Scope = Literal["entry", "state"]


@dataclass(frozen=True, slots=True)
class DocumentStatements:
    scope: Scope
    load: str
    version: str
    insert: str
    update: str

    def for_postgres(self) -> DocumentStatements:
        return DocumentStatements(
            scope=self.scope,
            load=for_postgres(self.load),
            version=for_postgres(self.version),
            insert=for_postgres(self.insert),
            update=for_postgres(self.update),
        )


@dataclass(frozen=True, slots=True)
class DocumentWrite:
    """One compare-and-set write of a versioned document with what goes with it, as both adapters run it."""

    scope: Scope
    key: str
    expected_version: int
    body: str
    event: EventId | None
    findings: tuple[FindingRecord, ...]
    outbox: tuple[OutboxMessage, ...]

    @classmethod
    def of_change(cls, change: Change) -> DocumentWrite:
        return cls(
            scope="entry",
            key=change.dossier_code,
            expected_version=change.expected_version,
            body=change.entry_json,
            event=change.event,
            findings=tuple(sorted(change.findings, key=lambda f: f.finding_id)),
            outbox=change.outbox,
        )

    @classmethod
    def of_state(
        cls,
        *,
        name: str,
        value_json: str,
        expected_version: int,
        event: EventId | None,
        findings: tuple[FindingRecord, ...],
        outbox: tuple[OutboxMessage, ...],
    ) -> DocumentWrite:
        if not name or expected_version < 0:
            raise ValueError("a state write needs a name and an expected version >= 0")
        if len({f.finding_id for f in findings}) != len(findings):
            raise ValueError("a change names each finding once")
        return cls(
            scope="state",
            key=name,
            expected_version=expected_version,
            body=value_json,
            event=event,
            findings=tuple(sorted(findings, key=lambda f: f.finding_id)),
            outbox=outbox,
        )


ENTRY = DocumentStatements(
    scope="entry",
    load="SELECT dossier_code, entry, version, updated_at FROM ledger_entries WHERE dossier_code = ?",
    version="SELECT version FROM ledger_entries WHERE dossier_code = ?",
    insert=(
        "INSERT INTO ledger_entries (dossier_code, entry, version, updated_at) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (dossier_code) DO NOTHING"
    ),
    update=(
        "UPDATE ledger_entries SET entry = ?, version = version + 1, updated_at = ? "
        "WHERE dossier_code = ? AND version = ?"
    ),
)

ENTRIES_AFTER = (
    "SELECT dossier_code, entry, version, updated_at FROM ledger_entries "
    "WHERE dossier_code > ? ORDER BY dossier_code LIMIT ?"
)
"""The next batch of entries in key order after a dossier code (keyset pagination: no cursor held open)."""

STATE = DocumentStatements(
    scope="state",
    load="SELECT name, value, version, updated_at FROM state WHERE name = ?",
    version="SELECT version FROM state WHERE name = ?",
    insert=(
        "INSERT INTO state (name, value, version, updated_at) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (name) DO NOTHING"
    ),
    update="UPDATE state SET value = ?, version = version + 1, updated_at = ? WHERE name = ? AND version = ?",
)

PROCESSED_INSERT = (
    "INSERT INTO processed_events (scope, target, source, event_id, applied_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (scope, target, source, event_id) DO NOTHING"
)

FINDING_UPSERT = (
    "INSERT INTO findings (finding_id, subject, type, state, detail, opened_at, healed_at, updated_at, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (finding_id) DO UPDATE SET subject = excluded.subject, type = excluded.type, "
    "state = excluded.state, detail = excluded.detail, opened_at = excluded.opened_at, "
    "healed_at = excluded.healed_at, updated_at = excluded.updated_at, data = excluded.data"
)

_FINDING_COLUMNS = "SELECT finding_id, subject, type, state, detail, opened_at, healed_at, data FROM findings"
_FINDING_FILTERS = (("type", "type = ?"), ("state", "state = ?"), ("subject", "subject = ?"))

FINDING_COUNTS = "SELECT type, state, COUNT(*) FROM findings GROUP BY type, state"

OUTBOX_INSERT = "INSERT INTO outbox (topic, message_key, value, headers, created_at) VALUES (?, ?, ?, ?, ?)"
OUTBOX_PENDING = (
    "SELECT id, topic, message_key, value, headers, created_at FROM outbox "
    "WHERE published_at IS NULL ORDER BY id LIMIT ?"
)


def finding_select(filters: frozenset[str]) -> str:
    """The findings query filtering on ``filters`` (a subset of type, state, subject), then a LIMIT.

    Parameters go in the order type, state, subject, limit (those present)."""
    unknown = filters - {name for name, _ in _FINDING_FILTERS}
    if unknown:
        raise ValueError(f"unknown finding filters: {sorted(unknown)}")
    clauses = [clause for name, clause in _FINDING_FILTERS if name in filters]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"{_FINDING_COLUMNS}{where} ORDER BY opened_at, finding_id LIMIT ?"


def for_postgres(statement: str) -> str:
    """``statement`` with psycopg's ``%s`` placeholders.

    Sound because no statement here holds a literal ``?`` or ``%``."""
    return statement.replace("?", "%s")
