"""The hub's shared state documents in the store: the routing table and the parking lot."""

from __future__ import annotations

from hub.rules import ParkingLot, RoutingTable
from hub.store import LedgerStore

__all__ = ["PARKING_LOT", "ROUTING_TABLE", "load_lot", "load_table"]

ROUTING_TABLE = "routing_table"
PARKING_LOT = "parking_lot"


async def load_table(store: LedgerStore) -> tuple[RoutingTable, int]:
    """The routing table and its version (an empty table at version 0 before the first identity event)."""
    stored = await store.get_state(ROUTING_TABLE)
    if stored is None:
        return RoutingTable(), 0
    return RoutingTable.model_validate_json(stored.value_json), stored.version


async def load_lot(store: LedgerStore) -> tuple[ParkingLot, int]:
    """The parking lot and its version (empty at version 0 before anything was parked)."""
    stored = await store.get_state(PARKING_LOT)
    if stored is None:
        return ParkingLot(), 0
    return ParkingLot.model_validate_json(stored.value_json), stored.version
