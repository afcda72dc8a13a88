"""Test doubles and builders of the payment connector's unit tests."""

from __future__ import annotations

from typing import Any

from connectors.errors import PublishError
from connectors.payment.signature import SIGNATURE_FIELD, signature_of
from contracts import Envelope, EventData, encode

__all__ = ["DOSSIER", "FORGER_SECRET", "SECRET", "MemorySink", "callback", "registration"]

SECRET = "unit-test-secret"  # noqa: S105 - a fixed secret of the unit tests
FORGER_SECRET = "a-forger-guess"  # noqa: S105 - idem
DOSSIER = "000.00.20.H14-250612-0007"


class MemorySink:
    """Records what would have gone to Kafka; ``fail_next`` makes the next publishes unacknowledged."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope[EventData]] = []
        self.fail_next = 0

    async def publish(self, envelope: Envelope[Any]) -> tuple[str, int, int]:
        if self.fail_next:
            self.fail_next -= 1
            raise PublishError("Kafka did not acknowledge the records: KafkaTimeoutError")
        encode(envelope)  # what Kafka would get must encode
        self.envelopes.append(envelope)
        return ("lienthong.payment.events.v1", 0, len(self.envelopes) - 1)

    @property
    def types(self) -> list[str]:
        return [type(envelope.data).__name__ for envelope in self.envelopes]


def registration(reference: str = f"{DOSSIER}-20250612080000", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaDoiTac": "LIENTHONG",
        "MaThamChieu": reference,
        "SoTien": 56000,
        "MaHoSo": DOSSIER,
        "MaTTHC": "2.000815",
        "MaCoQuan": "000.00.20.H14",
        "DanhSachPhiLePhi": [
            {"MaPhiLePhi": "P01", "TenPhiLePhi": "Phí thẩm định", "LoaiPhiLePhi": 1, "SoTien": 50000},
            {"MaPhiLePhi": "LP01", "TenPhiLePhi": "Lệ phí", "LoaiPhiLePhi": 2, "SoTien": 6000},
        ],
        "ThoiGianKhoiTao": "20250612080000",
    }
    return {key: value for key, value in (body | overrides).items() if value is not None}


def callback(
    reference: str = f"{DOSSIER}-20250612080000", *, secret: str = SECRET, **overrides: Any
) -> dict[str, Any]:
    """A confirmation as the platform sends it, signed with ``secret`` after ``overrides`` are applied."""
    message: dict[str, Any] = {
        "MaDoiTac": "LIENTHONG",
        "MaThamChieu": reference,
        "MaGiaoDich": "GD20250612083000000001",
        "MaHoSo": DOSSIER,
        "SoTien": 56000,
        "MaNganHang": "VCB",
        "ThoiGianGD": "20250612083000",
        "MaLoi": "00",
        "MoTaLoi": "Thành công",
    } | overrides
    return message | {SIGNATURE_FIELD: signature_of(message, secret)}
