"""Online payment events from the national payment platform (PayGov).

Initiated, then pending, succeeded or failed, and possibly refunded.

A payment is keyed by its dossier code, so it lands in the dossier's partition, in order with the dossier's
own events. The platform's reference (MaThamChieu) identifies the payment; its transaction id (MaGiaoDich)
exists once the platform has seen the transaction. Fee lines are the receipt's: fees (phí) and charges (lệ
phí) sum to the amount.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from contracts.codes import AgencyCode, DossierCode, OpaqueCode, ProcedureCode
from contracts.codes._problem import invalid
from contracts.events.base import TYPE_PREFIX, ContractModel, EventData
from contracts.money import PositiveVnd, Vnd
from contracts.text import VietnameseText
from contracts.timestamps import Timestamp

__all__ = [
    "PaymentEvent",
    "PaymentFailed",
    "PaymentInitiated",
    "PaymentLine",
    "PaymentLineKind",
    "PaymentPending",
    "PaymentRefunded",
    "PaymentSucceeded",
]


class PaymentLineKind(StrEnum):
    """Phí (a fee for a service) or lệ phí (a charge for an administrative act)."""

    FEE = "fee"
    CHARGE = "charge"


class PaymentLine(ContractModel):
    """One line of the payment's receipt."""

    kind: PaymentLineKind
    name: VietnameseText
    code: OpaqueCode | None = None
    amount: Vnd


class PaymentEvent(EventData):
    """What every payment event carries."""

    key_field: ClassVar[str] = "dossier_code"

    reference: OpaqueCode
    """MaThamChieu, built by the provincial system from the dossier code and a timestamp."""
    dossier_code: DossierCode
    """MaHoSo: the Kafka key and event subject."""
    amount: PositiveVnd
    """SoTien, whole VND, positive."""
    lines: tuple[PaymentLine, ...] = Field(min_length=1)
    """Fee and charge lines; their amounts sum to ``amount``."""
    occurred_at: Timestamp
    """When the platform recorded this step."""
    bank_code: OpaqueCode | None = None
    procedure_code: ProcedureCode | None = None
    receiving_agency_code: AgencyCode | None = None

    @model_validator(mode="after")
    def _lines_sum_to_amount(self) -> Self:
        total = sum(line.amount for line in self.lines)
        if total != self.amount:
            raise invalid("payment_lines", f"lines sum to {total} VND but amount is {self.amount} VND")
        return self


class PaymentInitiated(PaymentEvent):
    """INIT: the provincial system created the payment and sent the applicant to the platform."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}payment.initiated.v1"

    transaction_id: OpaqueCode | None = None
    """MaGiaoDich, rarely known at this point."""


class PaymentPending(PaymentEvent):
    """QUERY answered 3: the platform does not know the outcome yet."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}payment.pending.v1"

    transaction_id: OpaqueCode
    """MaGiaoDich."""


class PaymentSucceeded(PaymentEvent):
    """The platform confirmed the payment (callback error code 00, or QUERY answered 1)."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}payment.succeeded.v1"

    transaction_id: OpaqueCode
    """MaGiaoDich."""


class PaymentFailed(PaymentEvent):
    """The payment failed (QUERY answered 4, or an error callback)."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}payment.failed.v1"

    transaction_id: OpaqueCode
    """MaGiaoDich."""
    error_code: OpaqueCode | None = None
    """The platform's error code, when it gave one."""
    reason: VietnameseText | None = None


class PaymentRefunded(PaymentEvent):
    """A succeeded payment was refunded; ``amount`` and ``lines`` are what was refunded."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}payment.refunded.v1"

    transaction_id: OpaqueCode
    """MaGiaoDich of the original payment."""
    reason: VietnameseText | None = None
