"""``LIENTHONG_DATABASE_URL``: which database holds the hub's state, parsed once at start-up.

Accepted forms::

    sqlite:///relative/path.sqlite3            a file relative to the working directory
    sqlite:////absolute/path.sqlite3           an absolute path (four slashes, as SQLAlchemy spells it)
    sqlite:///:memory:                         a private in-memory database (tests, dry runs)
    sqlite:///hub.sqlite3?busy_timeout=2.5     seconds to wait for another writer's lock (default 5)
    postgresql://user:password@host:5432/db?connect_timeout=5    handed to libpq as it is
    postgres://…, postgresql+psycopg://…       the same

When the variable is unset the hub uses :data:`DEFAULT_DATABASE_URL`, a SQLite file beside the other
components' state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_BUSY_TIMEOUT",
    "DEFAULT_DATABASE_URL",
    "DatabaseUrl",
    "database_url_from",
    "parse_database_url",
    "redact_url",
]

DATABASE_URL_ENV = "LIENTHONG_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///.state/hub/ledger.sqlite3"
DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds a SQLite write waits for another connection's lock before :class:`StoreBusyError`."""

_MEMORY = ":memory:"
_POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL: a SQLite path (None for in-memory) or a libpq connection string."""

    dialect: Dialect
    path: Path | None = None
    dsn: str = ""
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT

    @property
    def in_memory(self) -> bool:
        return self.dialect == "sqlite" and self.path is None

    def display(self) -> str:
        """The URL for logs: the path, or the DSN with its password masked."""
        if self.dialect == "postgresql":
            return redact_url(self.dsn)
        return f"sqlite:///{_MEMORY}" if self.path is None else f"sqlite:///{self.path}"


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse ``url``; a ``ValueError`` names what is wrong (never the password)."""
    text = url.strip()
    scheme, sep, _ = text.partition("://")
    if not sep:
        raise ValueError(f"not a database URL (expected sqlite:///… or postgresql://…): {redact_url(text)!r}")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _sqlite(text)
    if scheme in _POSTGRES_SCHEMES:
        rest = text.partition("://")[2]
        if not rest:
            raise ValueError("a postgresql URL needs at least a host or a database")
        return DatabaseUrl(dialect="postgresql", dsn=f"postgresql://{rest}")
    raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite or postgresql")


def database_url_from(environ: Mapping[str, str]) -> DatabaseUrl:
    """The URL ``environ`` configures (``LIENTHONG_DATABASE_URL``), else the default SQLite file."""
    configured = environ.get(DATABASE_URL_ENV, "").strip()
    return parse_database_url(configured or DEFAULT_DATABASE_URL)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the authority and in a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        user, colon, _ = credentials.partition(":")
        netloc = f"{user}:***@{host}" if colon else netloc
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _sqlite(text: str) -> DatabaseUrl:
    rest = text.partition("://")[2]
    if not rest.startswith("/"):
        raise ValueError(
            "a sqlite URL has three slashes before the path: sqlite:///path or sqlite:////abs/path"
        )
    location, _, query = rest[1:].partition("?")
    if not location:
        raise ValueError("a sqlite URL needs a path (or :memory:)")
    busy_timeout = DEFAULT_BUSY_TIMEOUT
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if name != "busy_timeout":
            raise ValueError(f"unknown sqlite URL parameter {name!r} (known: busy_timeout)")
        try:
            busy_timeout = float(value)
        except ValueError:
            raise ValueError(f"busy_timeout must be a number of seconds, got {value!r}") from None
        if not (math.isfinite(busy_timeout) and busy_timeout >= 0):
            raise ValueError("busy_timeout must be a finite, non-negative number of seconds")
    path = None if location == _MEMORY else Path(location)
    return DatabaseUrl(dialect="sqlite", path=path, busy_timeout=busy_timeout)
