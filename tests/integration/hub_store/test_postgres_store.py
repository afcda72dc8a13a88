"""What only the PostgreSQL adapter has to show: lost connections, lock waits, instances starting together."""

from __future__ import annotations

import asyncio
import socket

import psycopg
import pytest

from hub.store import PostgresLedgerStore, StoreBusyError, StoreUnavailableError, open_store
from tests.integration.hub_store.builders import code, make_change


@pytest.mark.postgres
async def test_a_lost_connection_is_retriable_and_the_next_call_reconnects(postgres_schema_url: str) -> None:
    """The server dropping the connection surfaces as StoreUnavailableError; the retry works."""
    store = await open_store(postgres_schema_url)
    try:
        await store.apply(make_change(code(), 0))
        with psycopg.connect(postgres_schema_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreUnavailableError) as raised:
            await store.load(code())
        assert raised.value.retriable
        stored = await store.load(code())
        assert stored is not None
        assert stored.version == 1
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_row_locked_past_the_lock_timeout_is_a_retriable_busy_error(postgres_schema_url: str) -> None:
    """Another transaction holding the entry's row lock too long surfaces as StoreBusyError."""
    store = await PostgresLedgerStore.open(postgres_schema_url, lock_timeout=0.2)
    try:
        await store.apply(make_change(code(), 0))
        with psycopg.connect(postgres_schema_url) as other:
            other.execute("SELECT 1 FROM ledger_entries WHERE dossier_code = %s FOR UPDATE", (code(),))
            with pytest.raises(StoreBusyError) as raised:
                await store.apply(make_change(code(), 1))
            assert raised.value.retriable
            other.rollback()
        assert (await store.apply(make_change(code(), 1))).version == 2
    finally:
        await store.close()


@pytest.mark.postgres
async def test_instances_starting_together_migrate_once(postgres_schema_url: str) -> None:
    """Four instances opening a fresh database at once: one migration, four working stores."""
    opened = await asyncio.gather(
        *(open_store(postgres_schema_url) for _ in range(4)), return_exceptions=True
    )
    stores = [s for s in opened if not isinstance(s, BaseException)]
    try:
        assert len(stores) == 4, opened
        with psycopg.connect(postgres_schema_url) as conn:
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert all([await s.load(code()) is None for s in stores])
    finally:
        for s in stores:
            await s.close()


async def test_an_unreachable_server_is_a_retriable_unavailable_error() -> None:
    """Nothing listening: StoreUnavailableError at open, with the password masked in the message."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreUnavailableError) as raised:
        await open_store(f"postgresql://hub:s3cret@127.0.0.1:{port}/ledger?connect_timeout=2")
    assert raised.value.retriable
    assert "s3cret" not in str(raised.value)
