"""The hub's state store: ledger entries, findings, processed event ids, the outbox and named state.

One port (:class:`LedgerStore`), two adapters — SQLite (the default, one hub instance) and PostgreSQL (several
instances in one consumer group) — chosen by ``LIENTHONG_DATABASE_URL`` through :func:`open_store`. Payloads
are JSON text the rules' models produce and parse; the store never looks inside them.

=====================  =================================================================================
:mod:`.port`           the :class:`LedgerStore` protocol and the subscriber's sequence of calls
:mod:`.records`        the values crossing the port (:class:`Change`, :class:`ApplyResult`, …)
:mod:`.errors`         the error hierarchy; ``retriable`` on each class
:mod:`.url`            parsing the database URL
:mod:`.schema`         the schema as ordered migrations per dialect
:mod:`.statements`     the data statements both dialects share
:mod:`.sqlite`         the SQLite adapter
:mod:`.postgres`       the PostgreSQL adapter
:mod:`.factory`        :func:`open_store`
=====================  =================================================================================
"""

from hub.store.errors import (
    StoreBusyError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreUnavailableError,
)
from hub.store.factory import open_store
from hub.store.port import LedgerStore
from hub.store.postgres import PostgresLedgerStore
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
    finding_id,
)
from hub.store.schema import MIGRATIONS, Migration
from hub.store.sqlite import SqliteLedgerStore
from hub.store.url import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    DatabaseUrl,
    database_url_from,
    parse_database_url,
    redact_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "MIGRATIONS",
    "ApplyOutcome",
    "ApplyResult",
    "Change",
    "DatabaseUrl",
    "EventId",
    "FindingQuery",
    "FindingRecord",
    "LedgerStore",
    "Migration",
    "OutboxMessage",
    "PendingMessage",
    "PostgresLedgerStore",
    "SqliteLedgerStore",
    "StoreBusyError",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "StoreUnavailableError",
    "StoredEntry",
    "StoredState",
    "database_url_from",
    "finding_id",
    "open_store",
    "parse_database_url",
    "redact_url",
]
