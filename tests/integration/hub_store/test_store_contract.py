"""The ledger store's contract, pinned once and run against both adapters (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json

import pytest

from hub.store import (
    ApplyOutcome,
    ApplyResult,
    Change,
    FindingQuery,
    LedgerStore,
    OutboxMessage,
    StoreConflictError,
)
from tests.integration.hub_store.builders import (
    code,
    entry_json,
    event,
    finding,
    make_change,
    message,
)
from tests.integration.hub_store.conftest import OpenStore


async def test_load_returns_what_apply_wrote_with_its_version(store: LedgerStore) -> None:
    """An entry reads back byte for byte; each write bumps the version by one."""
    dossier = code()
    assert await store.load(dossier) is None
    first = await store.apply(make_change(dossier, 0))
    assert (first.outcome, first.version) == (ApplyOutcome.APPLIED, 1)
    stored = await store.load(dossier)
    assert stored is not None
    assert (stored.dossier_code, stored.version) == (dossier, 1)
    assert stored.entry_json == entry_json(dossier, version=1)
    assert stored.updated_at.utcoffset() is not None

    second = await store.apply(make_change(dossier, 1, entry_json='{"dossier_code": "x", "b": [1, 2]}'))
    assert second.version == 2
    again = await store.load(dossier)
    assert again is not None
    assert (again.version, again.entry_json) == (2, '{"dossier_code": "x", "b": [1, 2]}')


async def test_stale_version_is_a_retriable_conflict_and_writes_nothing(store: LedgerStore) -> None:
    """CAS: a change made from an old version is refused whole (entry, event, findings, outbox)."""
    dossier = code()
    await store.apply(make_change(dossier, 0))
    await store.apply(make_change(dossier, 1))
    late = make_change(dossier, 1, findings=(finding(dossier),), outbox=(message(dossier),))
    with pytest.raises(StoreConflictError) as raised:
        await store.apply(late)
    assert raised.value.retriable
    with pytest.raises(StoreConflictError):
        await store.apply(make_change(dossier, 0))  # "create" when it exists
    with pytest.raises(StoreConflictError):
        await store.apply(make_change(code(1), 3))  # "update" when it does not exist

    stored = await store.load(dossier)
    assert stored is not None
    assert stored.version == 2
    assert await store.findings() == ()
    assert await store.pending_outbox() == ()
    retried = await store.apply(
        Change(dossier, 2, late.entry_json, late.event, findings=late.findings, outbox=late.outbox)
    )
    assert retried.outcome is ApplyOutcome.APPLIED  # the refused event was not recorded as applied


async def test_an_event_applied_twice_to_a_dossier_is_a_duplicate_and_writes_nothing(
    store: LedgerStore,
) -> None:
    """Idempotent consumer: the second delivery of (source, id) changes nothing and says so."""
    dossier = code()
    once = event("evt-1")
    await store.apply(make_change(dossier, 0, event=once, outbox=(message(dossier, 1),)))
    replay = make_change(
        dossier, 1, event=once, entry_json="{}", findings=(finding(dossier),), outbox=(message(dossier, 2),)
    )
    result = await store.apply(replay)
    assert result == ApplyResult(ApplyOutcome.DUPLICATE, version=1)
    assert result.duplicate
    stored = await store.load(dossier)
    assert stored is not None
    assert (stored.version, stored.entry_json) == (1, entry_json(dossier, version=1))
    assert await store.findings() == ()
    assert [p.message for p in await store.pending_outbox()] == [message(dossier, 1)]

    stale_duplicate = await store.apply(make_change(dossier, 0, event=once))
    assert stale_duplicate.outcome is ApplyOutcome.DUPLICATE  # checked before the version


async def test_event_identity_is_source_and_id_per_dossier(store: LedgerStore) -> None:
    """The same id from another source, or the same event on another dossier, is applied."""
    shared = event("evt-1")
    assert (await store.apply(make_change(code(1), 0, event=shared))).applied
    assert (await store.apply(make_change(code(2), 0, event=shared))).applied
    assert (await store.apply(make_change(code(1), 1, event=event("evt-1", source="H15.1")))).applied
    assert (await store.apply(make_change(code(1), 2, event=None))).applied
    assert (await store.apply(make_change(code(1), 3, event=None))).applied  # no event: no dedupe


async def test_findings_are_upserted_queried_and_counted(store: LedgerStore) -> None:
    """Findings by id: written with the change, updated in place, filtered by type, state and subject."""
    a, b = code(1), code(2)
    opened = finding(a)
    await store.apply(
        make_change(
            a, 0, findings=(opened, finding(a, "regression", key="evt-9"), finding(a, "amount_mismatch"))
        )
    )
    await store.apply(make_change(b, 0, findings=(finding(b),)))
    healed = finding(a, state="healed", detail="acknowledged at revision 2")
    await store.apply(make_change(a, 1, findings=(healed,)))

    assert await store.finding_counts() == {
        ("missing_on_portal", "healed"): 1,
        ("missing_on_portal", "open"): 1,
        ("regression", "open"): 1,
        ("amount_mismatch", "open"): 1,
    }
    assert await store.findings(FindingQuery(subject=a, type="missing_on_portal")) == (healed,)
    open_ones = await store.findings(FindingQuery(state="open"))
    assert {(f.subject, f.type) for f in open_ones} == {
        (a, "regression"),
        (a, "amount_mismatch"),
        (b, "missing_on_portal"),
    }
    assert len(await store.findings()) == 4
    assert len(await store.findings(FindingQuery(limit=2))) == 2
    assert await store.findings(FindingQuery(type="sync_refused")) == ()


async def test_outbox_rows_are_pending_until_marked_published(store: LedgerStore) -> None:
    """Outbox: rows come back oldest first, exactly as written, until marked published."""
    dossier = code()
    odd = message(
        dossier, 2, key=None, headers=(("x-raw", b"\xff\x00\xfe"), ("x-raw", b""), ("ce_id", b"id"))
    )
    result = await store.apply(make_change(dossier, 0, outbox=(message(dossier, 1), odd)))
    later = await store.apply(make_change(dossier, 1, outbox=(message(dossier, 3),)))
    assert len(result.outbox_ids) == 2
    assert result.outbox_ids[0] < result.outbox_ids[1] < later.outbox_ids[0]

    pending = await store.pending_outbox()
    assert [p.id for p in pending] == [*result.outbox_ids, *later.outbox_ids]
    assert [p.message for p in pending] == [message(dossier, 1), odd, message(dossier, 3)]
    assert [p.id for p in await store.pending_outbox(limit=1)] == [result.outbox_ids[0]]

    assert await store.mark_published([*result.outbox_ids, 999_999]) == 2
    assert await store.mark_published(result.outbox_ids) == 0
    assert await store.mark_published([]) == 0
    assert [p.message for p in await store.pending_outbox()] == [message(dossier, 3)]


async def test_state_documents_are_versioned_with_compare_and_set(store: LedgerStore) -> None:
    """Named state: create at version 0, update at the current version, conflict otherwise."""
    assert await store.get_state("routing-table") is None
    assert (await store.put_state("routing-table", '{"codes": []}', 0)).version == 1
    assert (await store.put_state("routing-table", '{"codes": ["H14"]}', 1)).version == 2
    with pytest.raises(StoreConflictError):
        await store.put_state("routing-table", "{}", 1)
    with pytest.raises(StoreConflictError):
        await store.put_state("routing-table", "{}", 0)
    stored = await store.get_state("routing-table")
    assert stored is not None
    assert (stored.name, stored.value_json, stored.version) == ("routing-table", '{"codes": ["H14"]}', 2)
    await store.put_state("consumer/hub-province", '{"offsets": {}}', 0)
    assert await store.get_state("parking-lot") is None


async def test_state_write_carries_event_findings_and_outbox(store: LedgerStore) -> None:
    """An identity event updating the routing table is applied once, with its findings and commands."""
    identity = event("registry-7", source="identity-connector")
    cycle = finding("H14.9", "successor_cycle", "needs_operator")
    release = message(code(5))
    first = await store.put_state(
        "routing-table", "{}", 0, event=identity, findings=(cycle,), outbox=(release,)
    )
    assert first.applied
    assert first.outbox_ids
    again = await store.put_state("routing-table", '{"x": 1}', 1, event=identity, outbox=(release,))
    assert again == ApplyResult(ApplyOutcome.DUPLICATE, version=1)
    assert await store.findings(FindingQuery(subject="H14.9")) == (cycle,)
    assert [p.message for p in await store.pending_outbox()] == [release]
    # The same event on a dossier is a different key: state and entry scopes do not collide.
    assert (await store.apply(make_change("routing-table", 0, event=identity))).applied


async def test_entries_streams_every_entry_in_code_order(store: LedgerStore) -> None:
    """entries() walks the whole ledger batch by batch, each entry once, in dossier-code order."""
    codes = [code(n) for n in range(53)]
    for dossier in reversed(codes):
        await store.apply(make_change(dossier, 0))
    seen = [e.dossier_code async for e in store.entries(batch_size=10)]
    assert seen == codes
    assert [e.dossier_code async for e in store.entries(batch_size=53)] == codes
    async for stored in store.entries(batch_size=5):
        assert stored.entry_json == entry_json(codes[0], version=1)
        break  # a reader may stop early: nothing stays open that blocks the next call
    assert (await store.apply(make_change(codes[0], 1))).version == 2


async def test_everything_survives_closing_and_reopening(
    store: LedgerStore, open_instance: OpenStore
) -> None:
    """Restart: entries, processed ids, findings, unpublished outbox rows and state are all still there."""
    dossier = code()
    once = event("evt-1")
    written = await store.apply(
        make_change(dossier, 0, event=once, findings=(finding(dossier),), outbox=(message(dossier),))
    )
    await store.put_state("routing-table", '{"v": 1}', 0)
    await store.close()

    reopened = await open_instance()
    stored = await reopened.load(dossier)
    assert stored is not None
    assert (stored.version, stored.entry_json) == (1, entry_json(dossier, version=1))
    assert (await reopened.apply(make_change(dossier, 1, event=once))).duplicate
    assert await reopened.findings() == (finding(dossier),)
    assert [p.id for p in await reopened.pending_outbox()] == list(written.outbox_ids)
    state = await reopened.get_state("routing-table")
    assert state is not None
    assert state.version == 1
    assert (await reopened.apply(make_change(dossier, 1))).version == 2


async def test_two_instances_racing_on_one_dossier_exactly_one_wins(open_instance: OpenStore) -> None:
    """Two instances apply different events from the same version: one applies, the other conflicts."""
    first, second = await open_instance(), await open_instance()
    for n in range(10):
        dossier = code(n)
        await first.apply(make_change(dossier, 0))
        changes = [make_change(dossier, 1, entry_json=entry_json(dossier, by=who)) for who in ("a", "b")]
        results = await asyncio.gather(
            first.apply(changes[0]), second.apply(changes[1]), return_exceptions=True
        )
        applied = [r for r in results if isinstance(r, ApplyResult) and r.applied]
        conflicts = [r for r in results if isinstance(r, StoreConflictError)]
        assert (len(applied), len(conflicts)) == (1, 1), results
        stored = await second.load(dossier)
        assert stored is not None
        winner = changes[results.index(applied[0])]
        assert (stored.version, stored.entry_json) == (2, winner.entry_json)


async def _handle(store: LedgerStore, dossier: str, n: int) -> ApplyOutcome:
    """What a subscriber does with event ``n``: load, decide, apply; on a conflict, reload and redo."""
    while True:
        stored = await store.load(dossier)
        version = 0 if stored is None else stored.version
        count = 0 if stored is None else json.loads(stored.entry_json)["count"]
        change = Change(
            dossier,
            version,
            json.dumps({"count": count + 1}),
            event(f"evt-{n}"),
            outbox=(OutboxMessage(topic="t", value=f"{n}".encode()),),
        )
        try:
            return (await store.apply(change)).outcome
        except StoreConflictError:
            await asyncio.sleep(0)


async def test_the_same_events_delivered_to_two_instances_are_each_applied_once(
    open_instance: OpenStore,
) -> None:
    """A rebalance race: both instances handle the same 15 events; each is applied exactly once, none lost."""
    first, second = await open_instance(), await open_instance()
    dossier = code()
    outcomes: list[ApplyOutcome] = []
    for n in range(15):
        outcomes += await asyncio.gather(_handle(first, dossier, n), _handle(second, dossier, n))
    assert outcomes.count(ApplyOutcome.APPLIED) == 15
    assert outcomes.count(ApplyOutcome.DUPLICATE) == 15
    stored = await first.load(dossier)
    assert stored is not None
    assert (stored.version, json.loads(stored.entry_json)["count"]) == (15, 15)
    assert sorted(p.message.value for p in await first.pending_outbox(limit=100)) == sorted(
        f"{n}".encode() for n in range(15)
    )


async def test_concurrent_writers_lose_no_update(open_instance: OpenStore) -> None:
    """Compare-and-set under contention: 2 instances x 12 distinct events on one dossier count to 24."""
    first, second = await open_instance(), await open_instance()
    dossier = code()

    async def worker(store: LedgerStore, offset: int) -> None:
        for n in range(12):
            assert await _handle(store, dossier, offset + n) is ApplyOutcome.APPLIED

    await asyncio.gather(worker(first, 0), worker(second, 100))
    stored = await first.load(dossier)
    assert stored is not None
    assert (stored.version, json.loads(stored.entry_json)["count"]) == (24, 24)
