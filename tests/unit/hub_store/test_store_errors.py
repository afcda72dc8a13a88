"""The store's error hierarchy and how each adapter translates its driver's errors into it."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg_errors

from hub.store import (
    StoreBusyError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreUnavailableError,
)
from hub.store.postgres import translate_postgres_error
from hub.store.sqlite import translate_sqlite_error


def test_retriability_is_a_class_attribute_of_each_error() -> None:
    """Busy, conflict and unavailable are worth a retry; corrupt and the bare base are not."""
    retriable = {cls: cls.retriable for cls in StoreError.__subclasses__()}
    assert retriable == {
        StoreBusyError: True,
        StoreConflictError: True,
        StoreUnavailableError: True,
        StoreCorruptError: False,
    }
    assert StoreError.retriable is False


def _sqlite_error(kind: type[sqlite3.Error], message: str, code: int | None) -> sqlite3.Error:
    exc = kind(message)
    if code is not None:
        exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize(
    ("kind", "message", "code", "expected"),
    [
        (sqlite3.OperationalError, "database is locked", sqlite3.SQLITE_BUSY, StoreBusyError),
        (
            sqlite3.OperationalError,
            "database is locked",
            5 | (2 << 8),
            StoreBusyError,
        ),  # SQLITE_BUSY_SNAPSHOT
        (sqlite3.OperationalError, "database table is locked", sqlite3.SQLITE_LOCKED, StoreBusyError),
        (sqlite3.OperationalError, "database is locked", None, StoreBusyError),
        (sqlite3.DatabaseError, "file is not a database", sqlite3.SQLITE_NOTADB, StoreCorruptError),
        (
            sqlite3.DatabaseError,
            "database disk image is malformed",
            sqlite3.SQLITE_CORRUPT,
            StoreCorruptError,
        ),
        (sqlite3.OperationalError, "disk I/O error", sqlite3.SQLITE_IOERR, StoreUnavailableError),
        (sqlite3.OperationalError, "database or disk is full", sqlite3.SQLITE_FULL, StoreUnavailableError),
        (
            sqlite3.OperationalError,
            "unable to open database file",
            sqlite3.SQLITE_CANTOPEN,
            StoreUnavailableError,
        ),
        (sqlite3.OperationalError, "no such table: x", sqlite3.SQLITE_ERROR, StoreError),
    ],
)
def test_sqlite_errors_translate_by_result_code(
    kind: type[sqlite3.Error], message: str, code: int | None, expected: type[StoreError]
) -> None:
    translated = translate_sqlite_error(_sqlite_error(kind, message, code))
    assert type(translated) is expected
    assert message in str(translated)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (pg_errors.SerializationFailure("could not serialize access"), StoreConflictError),
        (pg_errors.DeadlockDetected("deadlock detected"), StoreConflictError),
        (pg_errors.UniqueViolation("duplicate key"), StoreConflictError),
        (pg_errors.LockNotAvailable("canceling statement due to lock timeout"), StoreBusyError),
        (pg_errors.QueryCanceled("canceling statement due to statement timeout"), StoreBusyError),
        (pg_errors.AdminShutdown("terminating connection"), StoreUnavailableError),
        (pg_errors.ConnectionFailure("connection failure"), StoreUnavailableError),
        (pg_errors.DiskFull("could not extend file"), StoreUnavailableError),
        (psycopg.OperationalError("connection refused"), StoreUnavailableError),
        (psycopg.InterfaceError("the connection is closed"), StoreUnavailableError),
        (pg_errors.DataCorrupted("invalid page"), StoreCorruptError),
        (pg_errors.UndefinedTable('relation "x" does not exist'), StoreError),
    ],
)
def test_postgres_errors_translate_by_sqlstate_class(
    error: psycopg.Error, expected: type[StoreError]
) -> None:
    translated = translate_postgres_error(error)
    assert type(translated) is expected
    assert type(error).__name__ in str(translated)
