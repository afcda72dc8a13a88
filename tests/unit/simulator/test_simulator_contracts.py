"""Every generated valid event satisfies the contracts; every invalid one is refused as its record says."""

from __future__ import annotations

import datetime as dt
import json
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.simulator import INVALID_KINDS, DeliveryKind, InvalidEvent, Simulation, profile, simulate
from connectors.simulator.invalid_events import corrupt
from contracts import ContractError, DossierStatusChanged, InvalidPayloadError
from contracts.structured import from_structured

START = dt.date(2025, 7, 1)


def _over_the_wire(event: dict[str, Any]) -> Any:
    return json.loads(json.dumps(event, ensure_ascii=False))


def _refusal(event: dict[str, Any]) -> ContractError:
    with pytest.raises(ContractError) as caught:
        from_structured(_over_the_wire(event))
    return caught.value


def assert_refused_as_recorded(event: dict[str, Any], record: InvalidEvent) -> None:
    refusal = _refusal(event)
    assert type(refusal).__name__ == record.error, f"{record.kind}: {refusal!r}"
    if record.path is not None:
        assert isinstance(refusal, InvalidPayloadError)
        assert record.path in [path for path, _ in refusal.problems], f"{record.kind}: {refusal.problems}"


def check_traffic(sim: Simulation) -> tuple[int, int]:
    valid = invalid = 0
    for delivery in sim.traffic.deliveries:
        if delivery.kind is DeliveryKind.EVENT:
            envelope = from_structured(_over_the_wire(delivery.body))
            assert isinstance(envelope.data, DossierStatusChanged)
            assert envelope.id == delivery.body["id"]
            valid += 1
        elif delivery.kind is DeliveryKind.INVALID:
            assert delivery.invalid is not None
            assert_refused_as_recorded(delivery.body, delivery.invalid)
            invalid += 1
    return valid, invalid


@pytest.fixture(scope="module")
def ten_days() -> Simulation:
    return simulate("lam-dong", start=START, days=10, seed=3, scale="0.15")


def test_every_valid_event_validates_and_every_invalid_one_is_refused_as_recorded(
    ten_days: Simulation,
) -> None:
    valid, invalid = check_traffic(ten_days)
    assert valid > 1000
    assert invalid == len(ten_days.traffic.invalid) > 0


def test_a_dossier_events_carry_its_code_as_subject_and_a_snapshot_at_each_step(ten_days: Simulation) -> None:
    by_code = {d.code: d for d in ten_days.dossiers}
    for delivery in ten_days.traffic.deliveries:
        if delivery.kind is DeliveryKind.EVENT:
            data = delivery.body["data"]
            dossier = by_code[delivery.body["subject"]]
            assert data["dossier_code"] == dossier.code
            assert data["receiving_agency_code"] == dossier.sent_agency_code
            assert delivery.body["time"] == data["status_changed_at"]


@pytest.mark.parametrize("kind", sorted(INVALID_KINDS))
def test_each_kind_of_invalid_event_is_refused_as_recorded(kind: str, ten_days: Simulation) -> None:
    event = next(
        d.body
        for d in ten_days.traffic.deliveries
        if d.kind is DeliveryKind.EVENT and "received_at" in d.body["data"]
    )

    class Fixed(random.Random):
        def choice(self, seq: Any) -> Any:
            return kind if kind in seq else super().choice(seq)

    broken, record = corrupt(Fixed(0), event)
    assert record.kind == kind
    assert broken["id"] != event["id"]
    assert_refused_as_recorded(broken, record)
    from_structured(_over_the_wire(event))  # the original stays valid: the copy is deep


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    key=st.sampled_from(["cao-bang", "dak-lak", "dong-nai", "lam-dong"]),
    days=st.integers(min_value=1, max_value=3),
)
def test_no_invalid_event_sneaks_through_and_no_valid_event_is_refused(
    seed: int, key: str, days: int
) -> None:
    messy = profile(key).mess.replace(
        invalid=Fraction(1, 4), duplicates=Fraction(1, 10), closed_codes=Fraction(1, 2)
    )
    sim = simulate(
        key, start=START + dt.timedelta(days=seed % 400), days=days, seed=seed, scale="0.05", mess=messy
    )
    check_traffic(sim)
