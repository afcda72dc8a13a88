"""The traffic plan: every request the driver makes, in simulated-time order, with the messy parts mixed in.

Deliveries are ordered by simulated time, then by kind (a portal submission before the province events of the
same instant), then by dossier and step. The messy parts, each from its own random stream:

* **duplicates** — a valid event sent again, same id and bytes, 1 minute to 3 hours later (never in the same
  request: the ingest refuses a request repeating an id);
* **out of order** — a dossier's event delivered just after the next one: the hub sees the later status first
  and must not apply the earlier one backwards;
* **invalid events** — a corrupted copy (:mod:`connectors.simulator.invalid_events`), sent alone;
* **payments for unknown dossiers** — INIT and payment for a dossier code no event ever names
  (``<unit>-YYMMDD-9NNN``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from connectors.simulator.catalogue import procedures_for
from connectors.simulator.invalid_events import InvalidEvent, corrupt
from connectors.simulator.lifecycle import Dossier, FeeRecord, PaymentAttempt
from connectors.simulator.profiles import MessRates
from connectors.simulator.provinces import Province
from connectors.simulator.streams import stream
from connectors.simulator.wire import province_event, submission_body
from connectors.simulator.workdays import VIETNAM_TIME

__all__ = ["Delivery", "DeliveryKind", "Overtaken", "Traffic", "plan_traffic"]

_UNKNOWN_FIRST_SEQUENCE = 9001
_SECOND = dt.timedelta(seconds=1)


class DeliveryKind(IntEnum):
    """What a delivery is; also its rank among deliveries of the same instant."""

    SUBMISSION = 0
    EVENT = 1
    INVALID = 2
    PAYMENT = 3


@dataclass(frozen=True, slots=True)
class Delivery:
    """One request's worth of traffic: an event, a submission or a payment."""

    at: dt.datetime
    kind: DeliveryKind
    order: tuple[int, int, int]
    dossier_code: str
    body: dict[str, Any] = field(default_factory=dict)
    """The CloudEvent (events, invalid events) or the submission body."""
    duplicate: bool = False
    invalid: InvalidEvent | None = None
    payment: PaymentAttempt | None = None

    @property
    def sort_key(self) -> tuple[dt.datetime, int, tuple[int, int, int]]:
        return (self.at, int(self.kind), self.order)


@dataclass(frozen=True, slots=True)
class Overtaken:
    """An event delivered after the dossier's next event."""

    dossier_code: str
    late_event_id: str
    overtaken_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "dossier_code": self.dossier_code,
            "late_event_id": self.late_event_id,
            "overtaken_by": self.overtaken_by,
        }


@dataclass(slots=True)
class Traffic:
    """All deliveries in order, and the messy parts as sent."""

    deliveries: list[Delivery] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    overtaken: list[Overtaken] = field(default_factory=list)
    invalid: list[InvalidEvent] = field(default_factory=list)
    unknown_payments: list[PaymentAttempt] = field(default_factory=list)


def _unknown_payments(
    dossiers: list[Dossier], province: Province, rate: float, rng: random.Random, horizon: dt.datetime
) -> list[PaymentAttempt]:
    payments: list[PaymentAttempt] = []
    used: dict[str, int] = {}
    for dossier in dossiers:
        if rng.random() >= rate:
            continue
        unit = rng.choice(province.units)
        at = min(dossier.steps[0].at + dt.timedelta(seconds=rng.randint(60, 3600)), horizon - _SECOND)
        day = f"{at.astimezone(VIETNAM_TIME):%y%m%d}"
        prefix = f"{unit.code}-{day}"
        used[prefix] = used.get(prefix, _UNKNOWN_FIRST_SEQUENCE - 1) + 1
        code = f"{prefix}-{used[prefix]:04d}"
        procedure = rng.choice(procedures_for(unit.kind, with_fee=True))
        lines = tuple(
            FeeRecord(item.code, item.name, item.kind, "online", item.total(rng.randint(1, 5)))
            for item in procedure.fees
        )
        payments.append(
            PaymentAttempt(
                reference=f"{code}-{at.astimezone(VIETNAM_TIME):%Y%m%d%H%M%S}",
                dossier_code=code,
                agency_code=unit.code,
                procedure_code=procedure.code,
                at=at,
                amount=sum(line.amount for line in lines),
                lines=lines,
                outcome="success",
                resolves_to=None,
                settled_at=at + dt.timedelta(seconds=30),
                known_dossier=False,
            )
        )
    return payments


def _dossier_events(
    dossier: Dossier, source: str, rates: MessRates, rngs: dict[str, random.Random], traffic: Traffic
) -> None:
    positions = [i for i, step in enumerate(dossier.steps) if step.status != 1]
    late = -1
    if len(positions) >= 2 and rngs["order"].random() < float(rates.out_of_order):
        late = rngs["order"].randrange(len(positions) - 1)
    for n, position in enumerate(positions):
        event = province_event(dossier, position, source=source)
        at, order = dossier.steps[position].at, (dossier.ordinal, position, 0)
        if n == late:
            successor = positions[n + 1]
            at, order = dossier.steps[successor].at, (dossier.ordinal, successor, 1)
            traffic.overtaken.append(Overtaken(dossier.code, event["id"], f"{dossier.code}#{successor + 1}"))
        traffic.deliveries.append(Delivery(at, DeliveryKind.EVENT, order, dossier.code, event))
        if rngs["duplicates"].random() < float(rates.duplicates):
            again = at + dt.timedelta(seconds=rngs["duplicates"].randint(60, 3 * 3600))
            traffic.deliveries.append(
                Delivery(
                    again,
                    DeliveryKind.EVENT,
                    (dossier.ordinal, position, 2),
                    dossier.code,
                    event,
                    duplicate=True,
                )
            )
            traffic.duplicates.append(event["id"])
        if rngs["invalid"].random() < float(rates.invalid):
            broken, record = corrupt(rngs["invalid"], event)
            traffic.deliveries.append(
                Delivery(
                    at,
                    DeliveryKind.INVALID,
                    (dossier.ordinal, position, 3),
                    dossier.code,
                    broken,
                    invalid=record,
                )
            )
            traffic.invalid.append(record)


def plan_traffic(
    dossiers: list[Dossier], province: Province, *, seed: int, rates: MessRates, horizon: dt.datetime
) -> Traffic:
    """Every delivery for ``dossiers``, in the order the driver sends them."""
    rngs = {name: stream(seed, name) for name in ("order", "duplicates", "invalid", "payments")}
    traffic = Traffic()
    for dossier in dossiers:
        if dossier.submitted_at is not None:
            traffic.deliveries.append(
                Delivery(
                    dossier.submitted_at,
                    DeliveryKind.SUBMISSION,
                    (dossier.ordinal, 0, 0),
                    dossier.code,
                    submission_body(dossier),
                )
            )
        _dossier_events(dossier, province.code, rates, rngs, traffic)
        for n, attempt in enumerate(dossier.payments):
            traffic.deliveries.append(
                Delivery(
                    attempt.at, DeliveryKind.PAYMENT, (dossier.ordinal, n, 0), dossier.code, payment=attempt
                )
            )
    traffic.unknown_payments = _unknown_payments(
        dossiers, province, float(rates.unknown_payments), rngs["payments"], horizon
    )
    for n, attempt in enumerate(traffic.unknown_payments):
        traffic.deliveries.append(
            Delivery(
                attempt.at,
                DeliveryKind.PAYMENT,
                (len(dossiers) + n, 0, 0),
                attempt.dossier_code,
                payment=attempt,
            )
        )
    traffic.deliveries.sort(key=lambda delivery: delivery.sort_key)
    return traffic
