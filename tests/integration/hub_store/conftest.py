"""The store under test, once per adapter: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from hub.store import LedgerStore, open_store

OpenStore = Callable[[], Awaitable[LedgerStore]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL no other test uses: a SQLite file in the test's directory, or a fresh schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
async def open_instance(store_url: str) -> AsyncIterator[OpenStore]:
    """``await open_instance()``: another store on the same database (a second hub instance, or a restart)."""
    opened: list[LedgerStore] = []

    async def open_() -> LedgerStore:
        store = await open_store(store_url)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_instance: OpenStore) -> LedgerStore:
    return await open_instance()
