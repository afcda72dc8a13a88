"""The payment connector's SQLite file: the transactions it watches and the events it has published.

Two tables. ``transactions`` holds each registered transaction (its ``PaymentInitiated`` data as JSON, when
it was registered, where it stands, when QUERY last asked about it). ``published`` holds one row per payment
event Kafka acknowledged, keyed by ``(reference, transaction id, outcome)`` — the connector's dedupe record,
written only after the acknowledgement, in the same SQLite transaction as the state change it causes.

State moves forward only: initiated → pending → succeeded or failed; a success recorded after a failure (a
late confirmation of a transaction given up) wins, a failure never overwrites a success. Calls run on a
worker thread, one at a time, on one connection; WAL mode lets an operator read the file meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from connectors.payment.translation import Outcome, PublicationKey
from contracts.events import PaymentInitiated

__all__ = ["TransactionState", "TransactionStore", "WatchedTransaction"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    reference       TEXT PRIMARY KEY,
    initiated       TEXT NOT NULL,
    registered_at   REAL NOT NULL,
    state           TEXT NOT NULL,
    transaction_id  TEXT,
    last_queried_at REAL,
    queries         INTEGER NOT NULL DEFAULT 0,
    updated_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_open ON transactions (state, registered_at);
CREATE TABLE IF NOT EXISTS published (
    reference       TEXT NOT NULL,
    transaction_id  TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    via             TEXT NOT NULL,
    topic           TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset    INTEGER NOT NULL,
    published_at    REAL NOT NULL,
    PRIMARY KEY (reference, transaction_id, outcome)
);
"""


class TransactionState(StrEnum):
    INITIATED = "initiated"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def open(self) -> bool:
        """Still waiting for the platform's outcome (the QUERY job's concern)."""
        return self in (TransactionState.INITIATED, TransactionState.PENDING)


_AFTER: dict[Outcome, TransactionState] = {
    Outcome.INITIATED: TransactionState.INITIATED,
    Outcome.PENDING: TransactionState.PENDING,
    Outcome.SUCCEEDED: TransactionState.SUCCEEDED,
    Outcome.FAILED: TransactionState.FAILED,
}
_RANK = {
    TransactionState.INITIATED: 0,
    TransactionState.PENDING: 1,
    TransactionState.FAILED: 2,
    TransactionState.SUCCEEDED: 3,
}


@dataclass(frozen=True, slots=True)
class WatchedTransaction:
    """A registered transaction as the connector knows it."""

    initiated: PaymentInitiated
    registered_at: float
    state: TransactionState
    transaction_id: str | None
    last_queried_at: float | None
    queries: int

    @property
    def reference(self) -> str:
        return self.initiated.reference


def _row(row: sqlite3.Row) -> WatchedTransaction:
    return WatchedTransaction(
        initiated=PaymentInitiated.model_validate_json(row["initiated"]),
        registered_at=row["registered_at"],
        state=TransactionState(row["state"]),
        transaction_id=row["transaction_id"],
        last_queried_at=row["last_queried_at"],
        queries=row["queries"],
    )


class TransactionStore:
    """One SQLite file, opened by :meth:`open` and closed by :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        self._conn = conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        def transaction() -> T:
            with self._lock:
                conn = self._conn
                if conn is None:
                    raise RuntimeError("the transaction store is not open")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = operation(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result

        return await asyncio.to_thread(transaction)

    async def transaction(self, reference: str) -> WatchedTransaction | None:
        def find(conn: sqlite3.Connection) -> WatchedTransaction | None:
            row = conn.execute("SELECT * FROM transactions WHERE reference = ?", (reference,)).fetchone()
            return None if row is None else _row(row)

        return await self._run(find)

    async def published(self, key: PublicationKey) -> str | None:
        """The event id published under ``key``, or None."""

        def find(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT event_id FROM published WHERE reference = ? AND transaction_id = ? AND outcome = ?",
                (key.reference, key.transaction_id, key.outcome.value),
            ).fetchone()
            return None if row is None else str(row["event_id"])

        return await self._run(find)

    async def record(
        self,
        key: PublicationKey,
        *,
        where: tuple[str, int, int],
        via: str,
        now: float,
        initiated: PaymentInitiated | None = None,
        transaction_id: str | None = None,
    ) -> None:
        """Record an acknowledged event and the state it leads to (registering ``initiated`` if given)."""

        def write(conn: sqlite3.Connection) -> None:
            if initiated is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO transactions "
                    "(reference, initiated, registered_at, state, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (initiated.reference, initiated.model_dump_json(), now, TransactionState.INITIATED, now),
                )
            conn.execute(
                "INSERT OR IGNORE INTO published (reference, transaction_id, outcome, event_id, via, topic, "
                "kafka_partition, kafka_offset, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key.reference, key.transaction_id, key.outcome.value, key.event_id, via, *where, now),
            )
            row = conn.execute(
                "SELECT state FROM transactions WHERE reference = ?", (key.reference,)
            ).fetchone()
            if row is None:
                return
            state = TransactionState(row["state"])
            after = _AFTER[key.outcome]
            if _RANK[after] > _RANK[state]:
                state = after
            conn.execute(
                "UPDATE transactions SET state = ?, transaction_id = COALESCE(?, transaction_id), "
                "updated_at = ? WHERE reference = ?",
                (state.value, transaction_id, now, key.reference),
            )

        await self._run(write)

    async def due(self, *, now: float, query_after: float, query_interval: float) -> list[WatchedTransaction]:
        """Open transactions registered at least ``query_after`` ago and not queried in ``query_interval``."""

        def find(conn: sqlite3.Connection) -> list[WatchedTransaction]:
            rows = conn.execute(
                "SELECT * FROM transactions WHERE state IN (?, ?) AND registered_at <= ? "
                "AND (last_queried_at IS NULL OR last_queried_at <= ?) ORDER BY registered_at LIMIT 500",
                (
                    TransactionState.INITIATED.value,
                    TransactionState.PENDING.value,
                    now - query_after,
                    now - query_interval,
                ),
            ).fetchall()
            return [_row(row) for row in rows]

        return await self._run(find)

    async def mark_queried(self, reference: str, *, now: float) -> None:
        await self._run(
            lambda conn: conn.execute(
                "UPDATE transactions SET last_queried_at = ?, queries = queries + 1 WHERE reference = ?",
                (now, reference),
            )
        )

    async def counts(self) -> dict[TransactionState, int]:
        """How many watched transactions stand in each state."""

        def count(conn: sqlite3.Connection) -> dict[TransactionState, int]:
            found = dict.fromkeys(TransactionState, 0)
            for row in conn.execute("SELECT state, COUNT(*) AS n FROM transactions GROUP BY state"):
                found[TransactionState(row["state"])] = row["n"]
            return found

        return await self._run(count)
