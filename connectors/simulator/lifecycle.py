"""What the generator produces: dossiers with their whole lifecycle as known at the horizon, and payments.

A :class:`Dossier` is the province's view of one dossier at the end of the simulated window (the
*horizon*): every status it went through (:class:`Step`, status 1 being the portal's), its dates, supplement
rounds, components, fee lines, results and online-payment flag. Everything after the horizon has not
happened yet. The events sent for a dossier are snapshots of it at each step
(:mod:`connectors.simulator.wire`), and the indicators are computed from these records alone
(:mod:`connectors.simulator.indicators`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connectors.simulator.catalogue import FeeKind, Procedure
from connectors.simulator.provinces import Unit

__all__ = [
    "ComponentRecord",
    "Dossier",
    "FeeRecord",
    "PaymentAttempt",
    "PaymentPlan",
    "ResultRecord",
    "Round",
    "Step",
]

_ONLINE_CHANNEL = 2


class PaymentPlan(StrEnum):
    """How a dossier's fee is paid."""

    NONE = "none"
    """No fee, or all fee lines are zero."""
    PORTAL = "portal"
    """Online on the national portal's payment platform (flag 1)."""
    GATEWAY = "gateway"
    """Online through the provincial payment gateway (flag 2; no national traffic)."""
    CASH = "cash"
    """At the desk (flag 0), possibly after a failed online attempt."""


@dataclass(frozen=True, slots=True)
class Step:
    """The dossier reached ``status`` at ``at``."""

    status: int
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Round:
    """A supplement request; ``returned_at`` is None while (or if never) returned."""

    requested_at: dt.datetime
    returned_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ComponentRecord:
    code: str
    name: str
    digitised: bool
    reused: bool
    national_store: bool


@dataclass(frozen=True, slots=True)
class FeeRecord:
    code: str
    name: str
    kind: FeeKind
    method: str
    """The contracts' collection method: ``online`` or ``cash``."""
    amount: int


@dataclass(frozen=True, slots=True)
class ResultRecord:
    code: str
    name: str
    electronic: bool
    issued_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    """One transaction on the national payment platform: INIT, then the citizen pays with ``outcome``."""

    reference: str
    dossier_code: str
    agency_code: str
    procedure_code: str
    at: dt.datetime
    """When the provincial system called INIT (simulated time)."""
    amount: int
    lines: tuple[FeeRecord, ...]
    outcome: str
    """``success``, ``fail`` or ``pending``."""
    resolves_to: str | None
    """For ``pending``: the outcome it resolves to."""
    settled_at: dt.datetime
    """When the outcome is known (simulated time)."""
    known_dossier: bool = True
    """False for a payment whose dossier code was never published."""

    @property
    def succeeded(self) -> bool:
        return (self.resolves_to or self.outcome) == "success"


@dataclass(frozen=True, slots=True)
class Dossier:
    """One dossier as the province knows it at the horizon."""

    ordinal: int
    code: str
    unit: Unit
    """The true receiving unit (a closed code on the wire resolves to it)."""
    sent_agency_code: str
    """The receiving agency code its events and portal submission carry."""
    procedure: Procedure
    channel: int
    applicant: dict[str, Any]
    vneid: bool
    components: tuple[ComponentRecord, ...]
    fees: tuple[FeeRecord, ...]
    steps: tuple[Step, ...]
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    processed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    rounds: tuple[Round, ...]
    results: tuple[ResultRecord, ...]
    payment_plan: PaymentPlan
    paid_at: dt.datetime | None
    """When the online-payment flag took effect (None if it never did before the horizon)."""
    payments: tuple[PaymentAttempt, ...]

    @property
    def online(self) -> bool:
        return self.channel == _ONLINE_CHANNEL

    @property
    def province_steps(self) -> tuple[Step, ...]:
        """The steps the province sends events for (all but the portal's status 1)."""
        return tuple(step for step in self.steps if step.status != 1)

    @property
    def final_status(self) -> int:
        return self.steps[-1].status

    @property
    def closed_code(self) -> bool:
        return self.sent_agency_code != self.unit.code

    @property
    def fee_total(self) -> int:
        return sum(fee.amount for fee in self.fees)

    @property
    def online_payment(self) -> int:
        """DuocThanhToanTrucTuyen of the last province event (0 when the province sent none yet)."""
        steps = self.province_steps
        return self.flag_at(steps[-1].at) if steps else 0

    def flag_at(self, moment: dt.datetime) -> int:
        """DuocThanhToanTrucTuyen in a snapshot taken at ``moment``."""
        if self.paid_at is None or self.paid_at > moment:
            return 0
        return 2 if self.payment_plan is PaymentPlan.GATEWAY else 1
