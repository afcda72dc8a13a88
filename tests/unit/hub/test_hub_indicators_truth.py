"""The hub's indicators match the simulator's ground truth to the dossier, from the same messy traffic.

The province events the simulator would send (duplicates and out-of-order deliveries included, invalid ones
left out as the ingest refuses them) go through the hub's lifecycle rule; the routing table comes from the
identity connector's shipped registries. Both sides then compute every indicator, per unit and province,
per day, month and quarter, and the documents must be equal.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fractions import Fraction

import pytest

from connectors.identity.records import event_of, read_registry
from connectors.identity.shipped import registry_files
from connectors.simulator import DeliveryKind, Simulation, profile, simulate
from contracts.structured import from_structured
from hub.rules import (
    PROVINCE,
    LedgerEntry,
    Outcome,
    RoutingTable,
    apply_dossier_event,
    compute_indicators,
    on_identity_event,
)
from hub.rules.parking import ParkingLot
from tests.unit.hub.factories import envelope

_IMPORTED = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
_MESS = {"duplicates": Fraction(1, 5), "out_of_order": Fraction(1, 4), "closed_codes": Fraction(1, 2)}


def _routing_table(province: str) -> RoutingTable:
    table, lot = RoutingTable(), ParkingLot()
    for index, row in enumerate(row for path in registry_files(province) for row in read_registry(path)[1]):
        _, data = event_of(row.fields)
        decision = on_identity_event(
            table, lot, envelope(data, f"registry-{index}", source="identity"), _IMPORTED
        )
        assert decision.refusal is None, decision.refusal
        table, lot = decision.table, decision.lot
    return table


def _ledger(sim: Simulation) -> tuple[dict[str, LedgerEntry], Counter[Outcome]]:
    entries: dict[str, LedgerEntry] = {}
    outcomes: Counter[Outcome] = Counter()
    for delivery in sim.traffic.deliveries:
        if delivery.kind is not DeliveryKind.EVENT:
            continue
        decision = apply_dossier_event(
            entries.get(delivery.dossier_code), from_structured(delivery.body), delivery.at
        )
        entries[delivery.dossier_code] = decision.entry
        outcomes[decision.outcome] += 1
    return entries, outcomes


@pytest.mark.parametrize(("province", "seed"), [("cao-bang", 3), ("lam-dong", 11)])
def test_the_hub_indicators_equal_the_simulator_truth(province: str, seed: int) -> None:
    sim = simulate(
        province,
        start=dt.date(2025, 7, 1),
        days=4,
        seed=seed,
        scale="1/3",
        mess=profile(province).mess.replace(**_MESS),
    )
    entries, outcomes = _ledger(sim)
    assert outcomes[Outcome.REGRESSION] == len(sim.traffic.overtaken) > 0
    assert outcomes[Outcome.DUPLICATE] == len(sim.traffic.duplicates) > 0

    ours = compute_indicators(entries.values(), _routing_table(province), as_of=sim.horizon)

    truth = sim.indicators
    assert ours.units() == [scope for scope in truth.scopes() if scope != PROVINCE]
    for scope in (PROVINCE, *ours.units()):
        assert ours.scope_json(scope) == truth.scope_json(scope), scope
