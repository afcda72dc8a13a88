"""The hub's state store's branch of the one error tree (:class:`contracts.LienthongError`), whichever
database is behind it.

::

    StoreError                  the store failed; the base class (not retriable as such)
    ├── StoreBusyError          the database is busy or locked by another writer (retriable)
    ├── StoreConflictError      the row changed since it was loaded: a version mismatch, a serialization
    │                           failure or a deadlock (retriable: reload, re-run the rule, apply again)
    ├── StoreUnavailableError   the database cannot be reached or written: connection lost, disk full or
    │                           unreadable (retriable)
    └── StoreCorruptError       the database is damaged or holds a schema this code does not know (never
                                retriable: an operator must look)

Adapters translate their driver's exceptions into these at the boundary (``raise StoreBusyError(...) from
exc``), so a subscriber decides between a bounded retry and a dead letter by reading :attr:`retriable` alone.
Messages name tables, dossier codes and versions only, never a payload.
"""

from __future__ import annotations

from typing import ClassVar

from contracts.errors import LienthongError

__all__ = [
    "StoreBusyError",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreError(LienthongError):
    """The state store failed."""

    retriable: ClassVar[bool] = False


class StoreBusyError(StoreError):
    """Another writer holds the lock; the same call is expected to succeed a little later."""

    retriable: ClassVar[bool] = True


class StoreConflictError(StoreError):
    """What was loaded is no longer current: the caller must reload and decide again before retrying."""

    retriable: ClassVar[bool] = True


class StoreUnavailableError(StoreError):
    """The database cannot be reached or written right now."""

    retriable: ClassVar[bool] = True


class StoreCorruptError(StoreError):
    """The database is damaged, or its schema is not one this code knows."""

    retriable: ClassVar[bool] = False
