"""The SQLite adapter of :class:`~hub.store.port.LedgerStore`: one file, one hub instance.

One connection, used by one worker thread at a time under a lock (``asyncio.to_thread``), so the event loop
never waits on disk. The file is in WAL mode (readers — an operator's query, a report — never block the
writer) with ``synchronous=FULL``: a commit is on disk before ``apply`` returns, because the Kafka offset is
committed right after it. Writes take the write lock up front (``BEGIN IMMEDIATE``) and wait up to the busy
timeout for another connection's lock; past it they raise :class:`StoreBusyError`.

Cancelling a call does not cancel its transaction: the worker thread finishes it. The caller does not learn
whether it committed, and does not need to — re-applying the same event is recognised as a duplicate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hub.store import statements as sql
from hub.store.codec import (
    encode_headers,
    entry_from_row,
    finding_from_row,
    pending_from_row,
    state_from_row,
    utc,
)
from hub.store.errors import (
    StoreBusyError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreUnavailableError,
)
from hub.store.records import (
    ApplyOutcome,
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
from hub.store.schema import MIGRATIONS, SCHEMA_VERSION_TABLE, Migration, pending
from hub.store.url import DEFAULT_BUSY_TIMEOUT

__all__ = ["SqliteLedgerStore", "translate_sqlite_error"]

T = TypeVar("T")
Clock = Callable[[], dt.datetime]

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_UNAVAILABLE_CODES = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN}


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def translate_sqlite_error(exc: sqlite3.Error) -> StoreError:
    """The store error for a driver error, by SQLite's primary result code."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in _BUSY_CODES or (primary is None and ("locked" in text or "busy" in text)):
        return StoreBusyError(f"sqlite: {text}")
    if primary in _CORRUPT_CODES:
        return StoreCorruptError(f"sqlite: {text}")
    if primary in _UNAVAILABLE_CODES:
        return StoreUnavailableError(f"sqlite: {text}")
    return StoreError(f"sqlite: {text}")


def _text(value: dt.datetime) -> str:
    """Fixed-width UTC text, so that comparing the strings compares the instants."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Migration], now: str) -> None:
    conn.execute(SCHEMA_VERSION_TABLE["sqlite"])
    applied = [(int(v), str(n)) for v, n in conn.execute("SELECT version, name FROM schema_version")]
    for migration in pending(applied, migrations):
        for statement in migration.sqlite:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, now),
        )


def _write(
    conn: sqlite3.Connection, doc: sql.DocumentStatements, w: sql.DocumentWrite, now: str
) -> ApplyResult:
    if w.event is not None:
        cursor = conn.execute(sql.PROCESSED_INSERT, (w.scope, w.key, w.event.source, w.event.id, now))
        if cursor.rowcount == 0:
            row = conn.execute(doc.version, (w.key,)).fetchone()
            return ApplyResult(ApplyOutcome.DUPLICATE, version=0 if row is None else int(row[0]))
    if w.expected_version == 0:
        cursor = conn.execute(doc.insert, (w.key, w.body, now))
    else:
        cursor = conn.execute(doc.update, (w.body, now, w.key, w.expected_version))
    if cursor.rowcount != 1:
        raise StoreConflictError(f"{w.scope} {w.key!r} is no longer at version {w.expected_version}")
    for f in w.findings:
        healed = None if f.healed_at is None else _text(f.healed_at)
        row = (
            f.finding_id,
            f.subject,
            f.type,
            f.state,
            f.detail,
            _text(f.opened_at),
            healed,
            now,
            f.data_json,
        )
        conn.execute(sql.FINDING_UPSERT, row)
    ids: list[int] = []
    for m in w.outbox:
        cursor = conn.execute(sql.OUTBOX_INSERT, (m.topic, m.key, m.value, encode_headers(m.headers), now))
        assert cursor.lastrowid is not None
        ids.append(cursor.lastrowid)
    return ApplyResult(ApplyOutcome.APPLIED, version=w.expected_version + 1, outbox_ids=tuple(ids))


class SqliteLedgerStore:
    """The ledger store on one SQLite file (or a private in-memory database). Open it with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, clock: Clock) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | None,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        migrations: Sequence[Migration] = MIGRATIONS,
        clock: Clock = _system_clock,
    ) -> SqliteLedgerStore:
        """Open (creating and migrating as needed) the file at ``path``; None for an in-memory database."""

        def connect() -> sqlite3.Connection:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                ":memory:" if path is None else path,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if path is not None and str(mode).lower() != "wal":
                    raise StoreError(f"sqlite: {path} cannot use WAL journaling (got {mode!r})")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    _migrate(conn, migrations, _text(clock()))
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.close()
                raise translate_sqlite_error(exc) from exc
            except BaseException:
                conn.close()
                raise
            return conn

        return cls(await asyncio.to_thread(connect), path, clock)

    @property
    def url(self) -> str:
        return f"sqlite:///{':memory:' if self._path is None else self._path}"

    async def close(self) -> None:
        def close() -> None:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await asyncio.to_thread(close)

    async def load(self, dossier_code: str) -> StoredEntry | None:
        row = await self._run(lambda c: c.execute(sql.ENTRY.load, (dossier_code,)).fetchone())
        return None if row is None else entry_from_row(row, _time)

    async def apply(self, change: Change) -> ApplyResult:
        write = sql.DocumentWrite.of_change(change)
        now = _text(self._clock())
        return await self._run(lambda c: _write(c, sql.ENTRY, write, now), write=True)

    async def get_state(self, name: str) -> StoredState | None:
        row = await self._run(lambda c: c.execute(sql.STATE.load, (name,)).fetchone())
        return None if row is None else state_from_row(row, _time)

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
        write = sql.DocumentWrite.of_state(
            name=name,
            value_json=value_json,
            expected_version=expected_version,
            event=event,
            findings=findings,
            outbox=outbox,
        )
        now = _text(self._clock())
        return await self._run(lambda c: _write(c, sql.STATE, write, now), write=True)

    async def pending_outbox(self, limit: int = 100) -> tuple[PendingMessage, ...]:
        rows = await self._run(lambda c: c.execute(sql.OUTBOX_PENDING, (limit,)).fetchall())
        return tuple(pending_from_row(row, _time) for row in rows)

    async def mark_published(self, ids: Iterable[int]) -> int:
        now = _text(self._clock())
        params = [(now, int(i)) for i in dict.fromkeys(ids)]
        if not params:
            return 0
        statement = "UPDATE outbox SET published_at = ? WHERE id = ? AND published_at IS NULL"
        return await self._run(lambda c: c.executemany(statement, params).rowcount, write=True)

    async def entries(self, *, batch_size: int = 500) -> AsyncIterator[StoredEntry]:
        after = ""
        while True:
            rows = await self._run(self._batch_after(after, batch_size))
            for row in rows:
                yield entry_from_row(row, _time)
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    async def findings(self, query: FindingQuery | None = None) -> tuple[FindingRecord, ...]:
        q = query or FindingQuery()
        given = {"type": q.type, "state": q.state, "subject": q.subject}
        present = {name: value for name, value in given.items() if value is not None}
        statement = sql.finding_select(frozenset(present))
        params = (*present.values(), q.limit)
        rows = await self._run(lambda c: c.execute(statement, params).fetchall())
        return tuple(finding_from_row(row, _time) for row in rows)

    async def finding_counts(self) -> dict[tuple[str, str], int]:
        rows = await self._run(lambda c: c.execute(sql.FINDING_COUNTS).fetchall())
        return {(row[0], row[1]): int(row[2]) for row in rows}

    @staticmethod
    def _batch_after(after: str, size: int) -> Callable[[sqlite3.Connection], list[Any]]:
        return lambda c: c.execute(sql.ENTRIES_AFTER, (after, size)).fetchall()

    async def _run(self, operation: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        def transaction() -> T:
            with self._lock:
                conn = self._conn
                if conn is None:
                    raise StoreError("the store is closed")
                try:
                    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    try:
                        result = operation(conn)
                        conn.execute("COMMIT")
                    finally:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    raise translate_sqlite_error(exc) from exc
                return result

        return await asyncio.to_thread(transaction)
