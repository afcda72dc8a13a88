"""Schema migrations: the plan for a database, the refusals, and an upgrade of an older SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.store import MIGRATIONS, Change, EventId, Migration, StoreCorruptError, open_store
from hub.store.schema import check_sequence, pending

DOSSIER = "H14.22-250301-0001"
V2 = Migration(
    version=2,
    name="findings by opening time",
    sqlite=("CREATE INDEX findings_by_opened ON findings (opened_at)",),
    postgresql=("CREATE INDEX findings_by_opened ON findings (opened_at)",),
)


def test_a_fresh_database_gets_every_migration_in_order() -> None:
    assert pending([], MIGRATIONS) == MIGRATIONS
    assert pending([], (*MIGRATIONS, V2)) == (*MIGRATIONS, V2)


def test_an_up_to_date_database_gets_none_and_an_older_one_the_rest() -> None:
    current = [(1, MIGRATIONS[0].name)]
    assert pending(current, MIGRATIONS) == ()
    assert pending(current, (*MIGRATIONS, V2)) == (V2,)


def test_a_database_from_newer_code_is_refused() -> None:
    """A schema this code does not know is never written to: StoreCorruptError, not retriable."""
    with pytest.raises(StoreCorruptError, match="migration 2") as raised:
        pending([(1, MIGRATIONS[0].name), (2, V2.name)], MIGRATIONS)
    assert not raised.value.retriable


def test_another_applications_schema_version_is_refused() -> None:
    with pytest.raises(StoreCorruptError, match="does not know"):
        pending([(1, "create users table")], MIGRATIONS)


def test_a_gap_in_the_recorded_migrations_is_refused() -> None:
    v3 = Migration(version=3, name="three", sqlite=(), postgresql=())
    with pytest.raises(StoreCorruptError, match=r"skipped schema migrations \[2\]"):
        pending([(1, MIGRATIONS[0].name), (3, "three")], (*MIGRATIONS, V2, v3))


@pytest.mark.parametrize(
    "versions",
    [(2,), (1, 1), (1, 3), (2, 1)],
)
def test_migrations_must_be_numbered_one_two_three(versions: tuple[int, ...]) -> None:
    migrations = [
        Migration(version=v, name=f"m{i}", sqlite=(), postgresql=()) for i, v in enumerate(versions)
    ]
    with pytest.raises(ValueError, match="must run 1, 2, 3"):
        check_sequence(migrations)


def test_the_shipped_migrations_are_well_formed_for_both_dialects() -> None:
    check_sequence(MIGRATIONS)
    assert all(m.statements("sqlite") and m.statements("postgresql") for m in MIGRATIONS)
    assert all(len(m.sqlite) == len(m.postgresql) for m in MIGRATIONS)


async def test_opening_an_older_sqlite_file_upgrades_it_and_keeps_the_data(tmp_path: Path) -> None:
    """A file at version 1 opened by code knowing version 2: migrated in place, entries kept."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    old = await open_store(url)
    await old.apply(Change(DOSSIER, 0, "{}", EventId("H14.1", "evt-1")))
    await old.close()

    new = await open_store(url, migrations=(*MIGRATIONS, V2))
    try:
        assert await new.load(DOSSIER) is not None
    finally:
        await new.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "findings_by_opened" in indexes

    with pytest.raises(StoreCorruptError):
        await open_store(url)  # the older code refuses the newer file


async def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """Migrations run in one transaction: a broken step applies nothing, not even the steps before it."""
    broken = Migration(version=2, name="broken", sqlite=("CREATE TABLE x (a)", "NOT SQL"), postgresql=())
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    await (await open_store(url)).close()
    with pytest.raises(Exception, match="syntax error"):
        await open_store(url, migrations=(*MIGRATIONS, broken))
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'x'").fetchall() == []
