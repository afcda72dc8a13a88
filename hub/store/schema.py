"""The store's schema as ordered migrations, one SQL text per dialect, recorded in ``schema_version``.

Both adapters run :func:`pending` at open and apply what it returns in one transaction (PostgreSQL under an
advisory lock, SQLite under its write lock), so several hub instances starting together migrate once. A
database whose recorded migrations this code does not know — newer, or another application's — is refused
with :class:`StoreCorruptError` rather than written to.

Tables (version 1)::

    ledger_entries    dossier_code PK, entry (JSON text), version (> 0, +1 per write), updated_at
    state             name PK, value (JSON text), version, updated_at
    processed_events  (scope 'entry'|'state', target, source, event_id) PK, applied_at
    findings          finding_id PK, subject, type, state, detail, opened_at, healed_at, updated_at,
                      data (JSON)
    outbox            id (ascending), topic, message_key, value, headers (JSON), created_at, published_at
    schema_version    version PK, name, applied_at

JSON stays text in both dialects so a payload reads back byte for byte; timestamps are ``TIMESTAMPTZ`` on
PostgreSQL and fixed-width UTC ISO-8601 text on SQLite (which sorts as time does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.store.errors import StoreCorruptError
from hub.store.url import Dialect

__all__ = ["MIGRATIONS", "SCHEMA_VERSION_TABLE", "Migration", "check_sequence", "pending"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version (1, 2, … without gaps), a name, and its statements per dialect."""

    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgresql


SCHEMA_VERSION_TABLE: dict[Dialect, str] = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    ),
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    ),
}


def _tables(*, time: str, blob: str, big: str, identity: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE ledger_entries (
            dossier_code TEXT PRIMARY KEY,
            entry        TEXT NOT NULL,
            version      {big} NOT NULL CHECK (version > 0),
            updated_at   {time} NOT NULL
        )""",
        f"""CREATE TABLE state (
            name       TEXT PRIMARY KEY,
            value      TEXT NOT NULL,
            version    {big} NOT NULL CHECK (version > 0),
            updated_at {time} NOT NULL
        )""",
        f"""CREATE TABLE processed_events (
            scope      TEXT NOT NULL CHECK (scope IN ('entry', 'state')),
            target     TEXT NOT NULL,
            source     TEXT NOT NULL,
            event_id   TEXT NOT NULL,
            applied_at {time} NOT NULL,
            PRIMARY KEY (scope, target, source, event_id)
        )""",
        f"""CREATE TABLE findings (
            finding_id TEXT PRIMARY KEY,
            subject    TEXT NOT NULL,
            type       TEXT NOT NULL,
            state      TEXT NOT NULL,
            detail     TEXT NOT NULL,
            opened_at  {time} NOT NULL,
            healed_at  {time},
            updated_at {time} NOT NULL,
            data       TEXT NOT NULL
        )""",
        "CREATE INDEX findings_by_type_state ON findings (type, state)",
        "CREATE INDEX findings_by_subject ON findings (subject)",
        f"""CREATE TABLE outbox (
            id           {identity},
            topic        TEXT NOT NULL,
            message_key  {blob},
            value        {blob} NOT NULL,
            headers      TEXT NOT NULL,
            created_at   {time} NOT NULL,
            published_at {time}
        )""",
        "CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL",
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="ledger entries, state, processed events, findings, outbox",
        sqlite=_tables(time="TEXT", blob="BLOB", big="INTEGER", identity="INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgresql=_tables(
            time="TIMESTAMPTZ",
            blob="BYTEA",
            big="BIGINT",
            identity="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        ),
    ),
)
"""Append only: a released migration is never edited, a change is a new one."""


def check_sequence(migrations: Sequence[Migration]) -> None:
    """Raise ``ValueError`` unless the versions run 1, 2, 3, … with distinct names."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise ValueError(f"migration versions must run 1, 2, 3, … in order; got {versions}")
    if len({m.name for m in migrations}) != len(migrations):
        raise ValueError("migration names must be distinct")


def pending(applied: Sequence[tuple[int, str]], migrations: Sequence[Migration]) -> tuple[Migration, ...]:
    """The migrations still to run on a database that recorded ``applied`` (``(version, name)`` rows).

    Raises :class:`StoreCorruptError` when a recorded row is not one of ``migrations`` (a newer schema, or
    another application's ``schema_version``)."""
    check_sequence(migrations)
    known = {m.version: m.name for m in migrations}
    for version, name in sorted(applied):
        if known.get(version) != name:
            latest = migrations[-1].version if migrations else 0
            raise StoreCorruptError(
                f"the database records schema migration {version} ({name!r}), which this code does not know "
                f"(it knows versions 1 to {latest}): refusing to use it"
            )
    done = {version for version, _ in applied}
    missing = [m.version for m in migrations if m.version not in done and m.version < max(done, default=0)]
    if missing:
        raise StoreCorruptError(f"the database skipped schema migrations {missing}: refusing to use it")
    return tuple(m for m in migrations if m.version not in done)
