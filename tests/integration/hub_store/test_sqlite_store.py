"""What only the SQLite adapter has to show: busy files, WAL, in-memory use and a damaged file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from hub.store import StoreBusyError, StoreCorruptError, open_store
from tests.integration.hub_store.builders import code, make_change


async def test_a_write_blocked_by_another_connection_is_a_retriable_busy_error(tmp_path: Path) -> None:
    """Another process holding the write lock past the busy timeout surfaces as StoreBusyError."""
    path = tmp_path / "ledger.sqlite3"
    store = await open_store(f"sqlite:///{path}?busy_timeout=0.2")
    try:
        await store.apply(make_change(code(), 0))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(StoreBusyError) as raised:
                await store.apply(make_change(code(), 1))
            assert raised.value.retriable
            assert time.monotonic() - started >= 0.15  # it waited for the lock first
            assert await store.load(code()) is not None  # WAL: readers are not blocked by the writer
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert (await store.apply(make_change(code(), 1))).version == 2  # the retry succeeds
    finally:
        await store.close()


async def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    """The file is journaled with WAL, so operators and reports can read while the hub writes."""
    path = tmp_path / "nested" / "ledger.sqlite3"
    store = await open_store(f"sqlite:///{path}")
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]


async def test_an_in_memory_store_works_for_dry_runs() -> None:
    """sqlite:///:memory: gives a private, working store."""
    store = await open_store("sqlite:///:memory:")
    try:
        assert (await store.apply(make_change(code(), 0))).applied
        assert [e.dossier_code async for e in store.entries()] == [code()]
    finally:
        await store.close()


async def test_a_file_that_is_not_a_database_is_reported_corrupt(tmp_path: Path) -> None:
    """Garbage in the file is StoreCorruptError (not retriable), never overwritten."""
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreCorruptError) as raised:
        await open_store(f"sqlite:///{path}")
    assert not raised.value.retriable
    assert path.read_bytes().startswith(b"this is not a database")


async def test_a_closed_store_refuses_calls(tmp_path: Path) -> None:
    """Using a store after close() is an error, not a hang."""
    store = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    await store.close()
    await store.close()
    with pytest.raises(Exception, match="closed"):
        await store.load(code())
