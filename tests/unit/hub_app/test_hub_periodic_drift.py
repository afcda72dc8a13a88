"""The periodic round's drift lookups over a SQLite ledger, without a broker: at most a batch per round, the
longest unconfirmed first, each written with its entry through the outbox and not asked again while open."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from contracts import PortalLookupRequested, decode
from hub.app.periodic import PeriodicCheck
from hub.rules import LedgerEntry, apply_sync_completed
from hub.settings import HubSettings
from hub.store import Change, LedgerStore, open_store
from tests.unit.hub.factories import AGENCY, applied, at, completed, event

_NOW = at(3, 9)


class _Relay:
    def __init__(self) -> None:
        self.notified: list[int] = []

    def notify(self, ids: Iterable[int] = ()) -> None:
        self.notified.extend(ids)


def _in_step(n: int) -> LedgerEntry:
    """Dossier ``n``, acknowledged ``n`` minutes after 1 July 09:00."""
    code = f"{AGENCY}-250701-{n:04d}"
    entry = applied(event(4, at(1, 9), f"e-{n}", code=code))
    acknowledged = at(1, 9, n)
    return apply_sync_completed(entry, completed(1, 4, acknowledged, code=code), acknowledged).entry


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[LedgerStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        yield opened
    finally:
        await opened.close()


async def _round(store: LedgerStore, relay: _Relay, when: dt.datetime) -> list[str]:
    settings = HubSettings(drift_check_batch=2, http_enabled=False)
    check = PeriodicCheck(settings, store, relay, asyncio.Lock(), clock=lambda: when)  # type: ignore[arg-type]
    report = await check.run_once()
    pending = await store.pending_outbox(limit=100)
    await store.mark_published([row.id for row in pending])
    looked_up = []
    for row in pending:
        data = decode(row.message.key, row.message.value, row.message.headers).data
        assert isinstance(data, PortalLookupRequested)
        looked_up.append(data.dossier_code)
    assert report.lookups == len(looked_up)
    return looked_up


async def test_a_round_asks_about_a_batch_oldest_first_and_not_again_while_open(store: LedgerStore) -> None:
    entries = [_in_step(n) for n in (5, 3, 1, 4, 2, 6, 7)]
    for entry in entries:
        await store.apply(Change(entry.dossier_code, 0, entry.model_dump_json(), event=None))
    relay = _Relay()
    codes = {n: f"{AGENCY}-250701-{n:04d}" for n in range(1, 8)}
    assert await _round(store, relay, _NOW) == [codes[1], codes[2]]
    assert await _round(store, relay, _NOW + dt.timedelta(minutes=1)) == [codes[3], codes[4]]
    assert len(relay.notified) == 4
    stored = await store.load(codes[1])
    assert stored is not None
    assert LedgerEntry.model_validate_json(stored.entry_json).portal.lookup_requested_at == _NOW
    unanswered = _NOW + dt.timedelta(minutes=16)
    assert await _round(store, relay, unanswered) == [codes[1], codes[2]], "unanswered past the timeout"
