"""The periodic check looks at the whole ledger only on a full walk; between walks it looks at the dossiers
that needed attention then and those an event changed since (SQLite ledger, no broker)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from hub.app.periodic import PeriodicCheck
from hub.rules import LedgerEntry, apply_sync_completed, needs_attention
from hub.settings import HubSettings
from hub.store import Change, LedgerStore, open_store
from tests.unit.hub.factories import AGENCY, applied, at, completed, event

_NOW = at(1, 9, 5)


class _Relay:
    def notify(self, ids: Iterable[int] = ()) -> None:
        """Nothing to publish in these tests."""


def _code(n: int) -> str:
    return f"{AGENCY}-250701-{n:04d}"


def _waiting(n: int) -> LedgerEntry:
    """Applied at 09:00, its sync not acknowledged yet (within the SLA at 09:05)."""
    return applied(event(4, at(1, 9), f"e-{n}", code=_code(n)))


def _in_step(n: int) -> LedgerEntry:
    entry = _waiting(n)
    return apply_sync_completed(entry, completed(1, 4, at(1, 9, 1), code=_code(n)), at(1, 9, 1)).entry


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[LedgerStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        yield opened
    finally:
        await opened.close()


def test_an_entry_needs_attention_until_the_portal_holds_the_province_status() -> None:
    assert needs_attention(_waiting(1))
    assert not needs_attention(_in_step(1))
    assert not needs_attention(LedgerEntry(dossier_code=_code(2))), "nothing to reconcile without a snapshot"


async def test_between_full_walks_only_watched_and_touched_dossiers_are_looked_at(store: LedgerStore) -> None:
    for entry in (_in_step(1), _in_step(2), _in_step(3), _waiting(4)):
        await store.apply(Change(entry.dossier_code, 0, entry.model_dump_json(), event=None))
    settings = HubSettings(http_enabled=False, full_check_interval_seconds=3600, drift_check_batch=0)
    check = PeriodicCheck(settings, store, _Relay(), asyncio.Lock(), clock=lambda: _NOW)  # type: ignore[arg-type]

    first = await check.run_once()
    assert (first.full, first.checked) == (True, 4)
    second = await check.run_once()
    assert (second.full, second.checked) == (False, 1), "only the dossier not in step is watched"
    check.touch(_code(2))
    third = await check.run_once()
    assert (third.full, third.checked) == (False, 2), "a dossier an event changed is looked at once"
    fourth = await check.run_once()
    assert (fourth.full, fourth.checked) == (False, 1)
    walk = await check.run_once(full=True)
    assert (walk.full, walk.checked) == (True, 4)
