"""The portal's SQLite file: schema, one serialised connection, and transactions run off the event loop.

Every operation is a plain function of a ``sqlite3.Connection`` run inside one ``BEGIN IMMEDIATE`` transaction
on a worker thread; a lock serialises them, which keeps the single connection safe and makes sequences
(dossier codes, submission cursors) gap-free in commit order. WAL mode lets readers of the file (a test, an
operator with the ``sqlite3`` shell) look while the portal writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["Database", "bump"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    ma_ho_so     TEXT PRIMARY KEY,
    trang_thai   INTEGER NOT NULL,
    origin       TEXT NOT NULL,
    record       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_ho_so     TEXT NOT NULL,
    trang_thai   INTEGER NOT NULL,
    thoi_diem    TEXT,
    source       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_history_dossier ON status_history (ma_ho_so, id);
CREATE TABLE IF NOT EXISTS progress (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_ho_so     TEXT NOT NULL,
    trang_thai   INTEGER NOT NULL,
    thoi_diem    TEXT NOT NULL,
    row          TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    cursor       INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_ho_so     TEXT NOT NULL UNIQUE,
    agency       TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    record       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS code_sequences (
    agency       TEXT NOT NULL,
    day          TEXT NOT NULL,
    last         INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);
CREATE TABLE IF NOT EXISTS transactions (
    ma_tham_chieu TEXT PRIMARY KEY,
    ma_giao_dich  TEXT UNIQUE,
    ma_ho_so      TEXT NOT NULL,
    so_tien       INTEGER NOT NULL,
    request       TEXT NOT NULL,
    state         TEXT NOT NULL,
    outcome       TEXT,
    known_at      REAL,
    ma_ngan_hang  TEXT,
    thoi_gian_gd  TEXT,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_tham_chieu TEXT NOT NULL,
    copy          INTEGER NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL,
    due_at        REAL NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    delivered_at  TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, due_at);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   INTEGER NOT NULL,
    attempted_at  TEXT NOT NULL,
    status        INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name          TEXT PRIMARY KEY,
    value         INTEGER NOT NULL
);
"""

_TABLES = (
    "dossiers",
    "status_history",
    "progress",
    "submissions",
    "code_sequences",
    "transactions",
    "deliveries",
    "delivery_attempts",
    "counters",
)


def bump(conn: sqlite3.Connection, name: str, by: int = 1) -> None:
    """Add to a named counter (created at zero)."""
    conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        (name, by),
    )


class Database:
    """One SQLite file; ``await db.run(fn)`` runs ``fn(conn)`` in a transaction on a worker thread.

    Constructing one touches nothing; :meth:`open` creates the file (and its folder) and the schema.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        self._conn = conn

    def run_sync(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            conn = self._conn
            if conn is None:
                raise RuntimeError(f"database {self.path} is not open")
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = operation(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    async def run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.run_sync, operation)

    def clear(self, conn: sqlite3.Connection) -> None:
        """Delete every row of every table (schema and file stay)."""
        for table in _TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - names come from the constant above
        conn.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
