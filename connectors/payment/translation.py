"""From the platform's messages to contract events, and the deterministic event ids that make them idempotent.

Every payment event the connector publishes is identified by ``(reference, transaction id, outcome)``: its
CloudEvents ``id`` is a UUIDv5 of those three, so the same confirmation yields the same id whether it came by
callback, by QUERY, twice, or once more after a crash between Kafka's acknowledgement and the connector's
record of it. Consumers that keep the ids they applied recognise such a copy.

Where the platform has not assigned a transaction id (a pending QUERY answer, a transaction given up), the
reference stands in for it: the contracts require one, and the reference names the payment uniquely.
``PaymentPending`` is published at most once per payment, so its key ignores the transaction id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from connectors.payment.messages import Registration
from contracts.events import (
    PaymentEvent,
    PaymentFailed,
    PaymentInitiated,
    PaymentLine,
    PaymentLineKind,
    PaymentPending,
    PaymentSucceeded,
)

__all__ = [
    "EVENT_ID_NAMESPACE",
    "EXPIRED_REASON",
    "Outcome",
    "PublicationKey",
    "initiated_from",
    "outcome_event",
]

EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1b3c9e-2a4d-5e8f-9b1a-7c3d2e1f0a95")
"""The UUIDv5 namespace of payment event ids (fixed forever: changing it changes every id)."""

EXPIRED_REASON: Final = "expired"
"""``PaymentFailed.reason`` of a transaction the platform never resolved within ``give_up_after``."""

_DEFAULT_LINE_NAME = "Lệ phí"
"""The platform's own name for an amount sent without fee lines (its e-receipt shows one such line)."""


class Outcome(StrEnum):
    """What one payment event says happened."""

    INITIATED = "initiated"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PublicationKey:
    """What makes a payment event the same event: ``(reference, transaction id, outcome)``."""

    reference: str
    transaction_id: str
    outcome: Outcome

    @classmethod
    def of(cls, reference: str, transaction_id: str | None, outcome: Outcome) -> PublicationKey:
        if outcome in (Outcome.INITIATED, Outcome.PENDING):
            return cls(reference, "", outcome)
        return cls(reference, transaction_id or reference, outcome)

    @property
    def event_id(self) -> str:
        return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{self.reference}|{self.transaction_id}|{self.outcome}"))


def initiated_from(registration: Registration, *, now: dt.datetime) -> PaymentInitiated:
    """The ``PaymentInitiated`` of a registered transaction (``ValueError`` if the lines do not add up)."""
    lines = [
        PaymentLine(
            kind=PaymentLineKind.FEE if line.LoaiPhiLePhi == 1 else PaymentLineKind.CHARGE,
            name=line.TenPhiLePhi,
            code=line.MaPhiLePhi,
            amount=line.SoTien,
        )
        for line in registration.DanhSachPhiLePhi
    ] or [PaymentLine(kind=PaymentLineKind.CHARGE, name=_DEFAULT_LINE_NAME, amount=registration.SoTien)]
    return PaymentInitiated(
        reference=registration.MaThamChieu,
        dossier_code=registration.MaHoSo,
        amount=registration.SoTien,
        lines=tuple(lines),
        occurred_at=registration.ThoiGianKhoiTao or now,
        procedure_code=registration.MaTTHC,
        receiving_agency_code=registration.MaCoQuan,
    )


def outcome_event(
    initiated: PaymentInitiated,
    outcome: Outcome,
    *,
    transaction_id: str | None,
    occurred_at: dt.datetime,
    bank_code: str | None = None,
    error_code: str | None = None,
    reason: str | None = None,
) -> PaymentEvent:
    """The pending, succeeded or failed event of a registered transaction."""
    common = initiated.model_dump(exclude={"occurred_at"}) | {
        "transaction_id": transaction_id or initiated.reference,
        "occurred_at": occurred_at,
        "bank_code": bank_code,
    }
    if outcome is Outcome.PENDING:
        return PaymentPending.model_validate(common)
    if outcome is Outcome.SUCCEEDED:
        return PaymentSucceeded.model_validate(common)
    if outcome is Outcome.FAILED:
        return PaymentFailed.model_validate(common | {"error_code": error_code, "reason": reason})
    raise ValueError(f"no outcome event for {outcome}")
