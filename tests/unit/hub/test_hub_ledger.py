"""The ledger entry and the other persisted values read back exactly from JSON, and the entry's views."""

from __future__ import annotations

from hub.rules import (
    LedgerEntry,
    RoutingTable,
    apply_dossier_event,
    apply_payment,
    apply_sync_completed,
    apply_sync_failed,
    new_entry,
    reconcile,
    route_submission,
)
from hub.rules.parking import ParkingLot
from tests.unit.hub.factories import (
    AGENCY,
    CODE,
    applied,
    at,
    closed,
    completed,
    event,
    failed,
    issued,
    payment,
    submission,
    table_of,
)


def _busy_entry() -> LedgerEntry:
    """An entry with every part filled: history with a regression, portal view, payments, findings."""
    entry = route_submission(None, ParkingLot(), table_of(issued(AGENCY)), submission(), at(1, 7)).entry
    for item in (
        event(2, at(1, 8), "e1"),
        event(4, at(1, 10), "e3"),
        event(2, at(1, 9), "e2", received=at(1, 8, 30)),
    ):
        entry = apply_dossier_event(entry, item, item.time).entry
    entry = apply_payment(entry, payment("succeeded", transaction="T1", amount=60_000), at(1, 10)).entry
    entry = apply_sync_failed(entry, failed(2, retriable=True, when=at(1, 10, 1)), at(1, 10, 1)).entry
    entry = reconcile(entry, at(1, 11)).entry
    return apply_sync_completed(entry, completed(1, 2, at(1, 11, 1)), at(1, 11, 1)).entry


def test_a_ledger_entry_reads_back_equal_from_its_json() -> None:
    entry = _busy_entry()
    assert entry.findings
    assert entry.submission is not None
    assert any(r.revision is None for r in entry.history)
    assert LedgerEntry.model_validate_json(entry.model_dump_json()) == entry


def test_the_routing_table_and_the_parking_lot_read_back_equal_from_their_json() -> None:
    table = table_of(issued("000.00.40.H14"), closed("000.00.31.H14", "000.00.40.H14"))
    assert RoutingTable.model_validate_json(table.model_dump_json()) == table
    lot = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7)).lot
    assert lot.items
    assert ParkingLot.model_validate_json(lot.model_dump_json()) == lot


def test_a_new_entry_knows_nothing_and_waits_for_nothing() -> None:
    entry = new_entry(CODE)
    assert (entry.revision, entry.status, entry.known, entry.in_step, entry.pending) == (
        0,
        None,
        False,
        False,
        False,
    )


def test_pending_follows_requests_acknowledgements_and_refusals() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    assert entry.pending
    assert not apply_sync_completed(entry, completed(1, 2), at(1, 9)).entry.pending
    assert apply_sync_failed(entry, failed(1, retriable=True), at(1, 9)).entry.pending
    assert not apply_sync_failed(entry, failed(1, retriable=False), at(1, 9)).entry.pending
