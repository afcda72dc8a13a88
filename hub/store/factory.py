"""Opening the store a database URL names: SQLite for one hub instance, PostgreSQL for several."""

from __future__ import annotations

from collections.abc import Sequence

from hub.store.port import LedgerStore
from hub.store.postgres import PostgresLedgerStore
from hub.store.schema import MIGRATIONS, Migration
from hub.store.sqlite import SqliteLedgerStore
from hub.store.url import DatabaseUrl, parse_database_url

__all__ = ["open_store"]


async def open_store(url: str | DatabaseUrl, *, migrations: Sequence[Migration] = MIGRATIONS) -> LedgerStore:
    """The store at ``url`` (``sqlite:///path`` or ``postgresql://…``), schema migrated; close it after use.

    A ``ValueError`` names a malformed URL; a :class:`~hub.store.errors.StoreError` an unreachable or
    unusable database."""
    where = parse_database_url(url) if isinstance(url, str) else url
    if where.dialect == "sqlite":
        return await SqliteLedgerStore.open(
            where.path, busy_timeout=where.busy_timeout, migrations=migrations
        )
    return await PostgresLedgerStore.open(where.dsn, migrations=migrations)
