"""The PostgreSQL adapter of :class:`~hub.store.port.LedgerStore`: several hub instances, one database.

Each store holds one ``psycopg`` async connection (reconnected on the next call after it breaks) and runs
one transaction at a time on it. Transactions run at READ COMMITTED; correctness between instances rests
on two things the database enforces, not on the isolation level:

* **compare-and-set** on the version: ``UPDATE … WHERE version = expected`` (or an insert that does nothing
  when the row exists). Of two instances writing the same entry from the same version, the second waits for
  the first's row lock, then matches no row and gets :class:`StoreConflictError` — no update is lost;
* the **processed-events primary key**: the event id is inserted first, in the same transaction. A second
  instance inserting the same id waits for the first and then sees it (duplicate), or — if the first rolled
  back — applies it itself. An event is applied at most once per key.

Serialization failures and deadlocks become :class:`StoreConflictError`, lock timeouts
:class:`StoreBusyError`, a lost connection :class:`StoreUnavailableError`: all retriable. Migrations run
under a transaction-level advisory lock, so instances starting together migrate once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

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
from hub.store.url import redact_url

__all__ = ["PostgresLedgerStore", "translate_postgres_error"]

T = TypeVar("T")
Clock = Callable[[], dt.datetime]
Connection = psycopg.AsyncConnection[Any]

_UNIQUE_VIOLATION = "23505"
_BUSY_STATES = {"55P03", "57014"}  # lock_not_available, query_canceled (lock or statement timeout)
_CORRUPT_STATES = {"XX001", "XX002"}  # data_corrupted, index_corrupted
_UNAVAILABLE_CLASSES = {"08", "53", "58"}  # connection exception, insufficient resources, system error
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}  # admin/crash shutdown, cannot connect now
_MIGRATION_LOCK = 0x6C69656E74686F6E  # any constant shared by every instance of this application
_ENTRY = sql.ENTRY.for_postgres()
_STATE = sql.STATE.for_postgres()
_ENTRIES_AFTER = sql.for_postgres(sql.ENTRIES_AFTER)
_PROCESSED_INSERT = sql.for_postgres(sql.PROCESSED_INSERT)
_FINDING_UPSERT = sql.for_postgres(sql.FINDING_UPSERT)
_OUTBOX_INSERT = sql.for_postgres(sql.OUTBOX_INSERT) + " RETURNING id"
_OUTBOX_PENDING = sql.for_postgres(sql.OUTBOX_PENDING)
_OUTBOX_MARK = "UPDATE outbox SET published_at = %s WHERE id = ANY(%s) AND published_at IS NULL"


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def translate_postgres_error(exc: psycopg.Error) -> StoreError:
    """The store error for a driver error, by SQLSTATE (psycopg's classes do not nest by SQLSTATE class)."""
    text = f"postgresql: {type(exc).__name__}: {exc}".strip()
    state = exc.sqlstate or ""
    if state.startswith("40") or state == _UNIQUE_VIOLATION:
        return StoreConflictError(text)
    if state in _BUSY_STATES:
        return StoreBusyError(text)
    if state in _CORRUPT_STATES:
        return StoreCorruptError(text)
    if state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES:
        return StoreUnavailableError(text)
    if not state and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return StoreUnavailableError(text)  # no SQLSTATE: the client lost or never had the connection
    return StoreError(text)


def _time(value: dt.datetime) -> dt.datetime:
    return value


async def _migrate(conn: Connection, migrations: Sequence[Migration], now: dt.datetime) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
    await conn.execute(SCHEMA_VERSION_TABLE["postgresql"])
    cursor = await conn.execute("SELECT version, name FROM schema_version")
    applied = [(int(v), str(n)) for v, n in await cursor.fetchall()]
    for migration in pending(applied, migrations):
        for statement in migration.postgresql:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
            (migration.version, migration.name, now),
        )


async def _write(
    conn: Connection, doc: sql.DocumentStatements, w: sql.DocumentWrite, now: dt.datetime
) -> ApplyResult:
    if w.event is not None:
        cursor = await conn.execute(_PROCESSED_INSERT, (w.scope, w.key, w.event.source, w.event.id, now))
        if cursor.rowcount == 0:
            row = await (await conn.execute(doc.version, (w.key,))).fetchone()
            return ApplyResult(ApplyOutcome.DUPLICATE, version=0 if row is None else int(row[0]))
    if w.expected_version == 0:
        cursor = await conn.execute(doc.insert, (w.key, w.body, now))
    else:
        cursor = await conn.execute(doc.update, (w.body, now, w.key, w.expected_version))
    if cursor.rowcount != 1:
        raise StoreConflictError(f"{w.scope} {w.key!r} is no longer at version {w.expected_version}")
    if w.findings:
        async with conn.cursor() as cur:
            await cur.executemany(_FINDING_UPSERT, [_finding_row(f, now) for f in w.findings])
    ids: list[int] = []
    for m in w.outbox:
        params = (m.topic, m.key, m.value, encode_headers(m.headers), now)
        row = await (await conn.execute(_OUTBOX_INSERT, params)).fetchone()
        assert row is not None
        ids.append(int(row[0]))
    return ApplyResult(ApplyOutcome.APPLIED, version=w.expected_version + 1, outbox_ids=tuple(ids))


def _finding_row(f: FindingRecord, now: dt.datetime) -> tuple[object, ...]:
    healed = None if f.healed_at is None else utc(f.healed_at)
    return (f.finding_id, f.subject, f.type, f.state, f.detail, utc(f.opened_at), healed, now, f.data_json)


class PostgresLedgerStore:
    """The ledger store on a PostgreSQL database. Open it with :meth:`open`."""

    def __init__(self, dsn: str, *, connect_timeout: float, lock_timeout: float, clock: Clock) -> None:
        self._dsn = dsn
        try:
            given = conninfo_to_dict(dsn)
        except psycopg.ProgrammingError:
            raise ValueError(f"not a usable PostgreSQL URL: {redact_url(dsn)!r}") from None
        # UTF8 whatever the server's encoding: text must come back as str even from an SQL_ASCII database
        self._connect_kwargs: dict[str, Any] = {"autocommit": True, "client_encoding": "UTF8"}
        if "connect_timeout" not in given:  # the URL's own setting wins
            self._connect_kwargs["connect_timeout"] = max(1, round(connect_timeout))
        self._lock_timeout = lock_timeout
        self._clock = clock
        self._conn: Connection | None = None
        self._closed = False
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        connect_timeout: float = 10.0,
        lock_timeout: float = 5.0,
        clock: Clock = _system_clock,
    ) -> PostgresLedgerStore:
        """Connect to ``dsn`` and migrate the schema (in the connection's ``search_path``) as needed.

        ``lock_timeout``: seconds a statement waits for another transaction's lock before
        :class:`StoreBusyError`."""
        store = cls(dsn, connect_timeout=connect_timeout, lock_timeout=lock_timeout, clock=clock)
        try:
            await store._run(lambda conn: _migrate(conn, migrations, clock()))
        except BaseException:
            await store.close()
            raise
        return store

    @property
    def url(self) -> str:
        return redact_url(self._dsn)

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    async def load(self, dossier_code: str) -> StoredEntry | None:
        rows = await self._fetchall(_ENTRY.load, (dossier_code,))
        return entry_from_row(rows[0], _time) if rows else None

    async def apply(self, change: Change) -> ApplyResult:
        write = sql.DocumentWrite.of_change(change)
        now = utc(self._clock())
        return await self._run(lambda conn: _write(conn, _ENTRY, write, now))

    async def get_state(self, name: str) -> StoredState | None:
        rows = await self._fetchall(_STATE.load, (name,))
        return state_from_row(rows[0], _time) if rows else None

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
        now = utc(self._clock())
        return await self._run(lambda conn: _write(conn, _STATE, write, now))

    async def pending_outbox(self, limit: int = 100) -> tuple[PendingMessage, ...]:
        rows = await self._fetchall(_OUTBOX_PENDING, (limit,))
        return tuple(pending_from_row(row, _time) for row in rows)

    async def mark_published(self, ids: Iterable[int]) -> int:
        wanted = [int(i) for i in dict.fromkeys(ids)]
        if not wanted:
            return 0
        params = (utc(self._clock()), wanted)

        async def mark(conn: Connection) -> int:
            return (await conn.execute(_OUTBOX_MARK, params)).rowcount

        return await self._run(mark)

    async def entries(self, *, batch_size: int = 500) -> AsyncIterator[StoredEntry]:
        after = ""
        while True:
            rows = await self._fetchall(_ENTRIES_AFTER, (after, batch_size))
            for row in rows:
                yield entry_from_row(row, _time)
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    async def findings(self, query: FindingQuery | None = None) -> tuple[FindingRecord, ...]:
        q = query or FindingQuery()
        given = {"type": q.type, "state": q.state, "subject": q.subject}
        present = {name: value for name, value in given.items() if value is not None}
        statement = sql.for_postgres(sql.finding_select(frozenset(present)))
        rows = await self._fetchall(statement, (*present.values(), q.limit))
        return tuple(finding_from_row(row, _time) for row in rows)

    async def finding_counts(self) -> dict[tuple[str, str], int]:
        rows = await self._fetchall(sql.FINDING_COUNTS, ())
        return {(row[0], row[1]): int(row[2]) for row in rows}

    async def _fetchall(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async def fetch(conn: Connection) -> list[tuple[Any, ...]]:
            rows: list[tuple[Any, ...]] = await (await conn.execute(statement, params)).fetchall()
            return rows

        return await self._run(fetch)

    async def _connection(self) -> Connection:
        if self._closed:
            raise StoreError("the store is closed")
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._conn = None
        if conn is not None:
            await conn.close()
        conn = await psycopg.AsyncConnection.connect(self._dsn, **self._connect_kwargs)
        try:
            await conn.execute("SET TIME ZONE 'UTC'")
            await conn.execute(
                "SELECT set_config('lock_timeout', %s, false)",
                (f"{max(1, round(self._lock_timeout * 1000))}ms",),
            )
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn

    async def _run(self, operation: Callable[[Connection], Awaitable[T]]) -> T:
        async with self._lock:
            try:
                conn = await self._connection()
                async with conn.transaction():
                    return await operation(conn)
            except psycopg.Error as exc:
                await self._drop_if_unusable()
                raise translate_postgres_error(exc) from exc
            except BaseException:
                await self._drop_if_unusable()
                raise

    async def _drop_if_unusable(self) -> None:
        """Close a connection left mid-transaction (a cancelled call) or broken; the next call reconnects."""
        conn = self._conn
        if conn is None:
            return
        if conn.closed or conn.broken or conn.info.transaction_status != TransactionStatus.IDLE:
            self._conn = None
            await conn.close()
