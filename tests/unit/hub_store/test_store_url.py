"""LIENTHONG_DATABASE_URL parsing: the accepted forms, the refusals, and passwords kept out of logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.store import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    database_url_from,
    open_store,
    parse_database_url,
    redact_url,
)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///ledger.sqlite3", Path("ledger.sqlite3")),
        ("sqlite:///.state/hub/ledger.sqlite3", Path(".state/hub/ledger.sqlite3")),
        ("sqlite:////var/lib/lienthong/hub.db", Path("/var/lib/lienthong/hub.db")),
        ("SQLITE:///x.db", Path("x.db")),
        ("  sqlite:///x.db\n", Path("x.db")),
    ],
)
def test_sqlite_urls_name_a_relative_or_absolute_file(url: str, path: Path) -> None:
    """Three slashes then the path, as SQLAlchemy spells it: relative, or absolute with a fourth slash."""
    parsed = parse_database_url(url)
    assert (parsed.dialect, parsed.path, parsed.busy_timeout) == ("sqlite", path, 5.0)
    assert not parsed.in_memory


def test_sqlite_memory_and_busy_timeout() -> None:
    """:memory: is a private database; busy_timeout is seconds."""
    assert parse_database_url("sqlite:///:memory:").in_memory
    assert parse_database_url("sqlite:///x.db?busy_timeout=0.25").busy_timeout == 0.25
    assert parse_database_url("sqlite:///x.db?busy_timeout=0").busy_timeout == 0.0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ledger.sqlite3", "not a database URL"),
        ("sqlite://", "three slashes"),
        ("sqlite://host/x.db", "three slashes"),
        ("sqlite:///", "needs a path"),
        ("sqlite:///x.db?timeout=3", "unknown sqlite URL parameter"),
        ("sqlite:///x.db?busy_timeout=soon", "number of seconds"),
        ("sqlite:///x.db?busy_timeout=-1", "finite, non-negative"),
        ("sqlite:///x.db?busy_timeout=nan", "finite, non-negative"),
        ("sqlite:///x.db?busy_timeout=inf", "finite, non-negative"),
        ("mysql://u@h/db", "unsupported database scheme"),
        ("postgresql://", "needs at least"),
    ],
)
def test_malformed_urls_are_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_database_url(url)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg", "PostgreSQL"])
def test_postgresql_urls_go_to_libpq_as_they_are(scheme: str) -> None:
    """Any PostgreSQL spelling becomes a postgresql:// DSN with host, database and parameters intact."""
    parsed = parse_database_url(f"{scheme}://hub:pw@db.internal:5433/lienthong?connect_timeout=5")
    assert parsed.dialect == "postgresql"
    assert parsed.dsn == "postgresql://hub:pw@db.internal:5433/lienthong?connect_timeout=5"
    assert parsed.display() == "postgresql://hub:***@db.internal:5433/lienthong?connect_timeout=5"


def test_passwords_are_masked_wherever_they_appear() -> None:
    assert redact_url("postgresql://hub:p%40ss@h/db") == "postgresql://hub:***@h/db"
    assert redact_url("postgresql://hub@h/db?password=x&sslmode=require") == (
        "postgresql://hub@h/db?password=***&sslmode=require"
    )
    assert redact_url("postgresql://h/db") == "postgresql://h/db"
    assert parse_database_url("sqlite:///x.db").display() == "sqlite:///x.db"


def test_the_environment_chooses_else_the_default_sqlite_file() -> None:
    """LIENTHONG_DATABASE_URL wins; unset or blank means the SQLite file under .state/hub."""
    assert database_url_from({}) == parse_database_url(DEFAULT_DATABASE_URL)
    assert database_url_from({DATABASE_URL_ENV: "  "}).path == Path(".state/hub/ledger.sqlite3")
    assert database_url_from({DATABASE_URL_ENV: "postgres://h/db"}).dsn == "postgresql://h/db"


async def test_a_dsn_libpq_cannot_read_is_refused_before_connecting() -> None:
    """A parameter libpq does not know fails fast as a ValueError, with the password masked."""
    with pytest.raises(ValueError, match="not a usable PostgreSQL URL") as raised:
        await open_store("postgresql://hub:s3cret@db/lienthong?bogus=1")
    assert "s3cret" not in str(raised.value)
