"""The portal's answer codes and messages, as its clients see them.

Business outcomes travel in the body of an HTTP 200, as the real portal does: clients must read ``error_code``
(sync API) or ``MaLoi`` (payment platform); ``"00"`` is success. HTTP status codes other than 200 mean the
call itself failed: 400 unreadable body, 401 authentication, 404 unknown path, and the injected faults (429,
503, 504).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["PayCode", "SyncCode", "pay_answer", "sync_answer"]


class SyncCode(StrEnum):
    """``error_code`` of the dossier sync API."""

    OK = "00"
    INVALID = "01"
    INVALID_STATUS = "02"
    ALREADY_EXISTS = "03"
    NOT_FOUND = "04"
    SYSTEM = "99"

    @property
    def message(self) -> str:
        return _SYNC_MESSAGES[self]


_SYNC_MESSAGES: dict[SyncCode, str] = {
    SyncCode.OK: "Thành công",
    SyncCode.INVALID: "Dữ liệu không hợp lệ",
    SyncCode.INVALID_STATUS: "Trạng thái hồ sơ không hợp lệ",
    SyncCode.ALREADY_EXISTS: "Hồ sơ đã tồn tại",
    SyncCode.NOT_FOUND: "Hồ sơ không tồn tại",
    SyncCode.SYSTEM: "Lỗi hệ thống",
}


class PayCode(StrEnum):
    """``MaLoi`` of the payment platform."""

    OK = "00"
    FAILED = "01"
    INVALID = "02"
    UNKNOWN_PARTNER = "03"
    NOT_FOUND = "04"
    DUPLICATE_REFERENCE = "05"
    NOT_PAID = "06"

    @property
    def message(self) -> str:
        return _PAY_MESSAGES[self]


_PAY_MESSAGES: dict[PayCode, str] = {
    PayCode.OK: "Thành công",
    PayCode.FAILED: "Giao dịch không thành công",
    PayCode.INVALID: "Dữ liệu không hợp lệ",
    PayCode.UNKNOWN_PARTNER: "Mã đối tác không hợp lệ",
    PayCode.NOT_FOUND: "Không tìm thấy giao dịch",
    PayCode.DUPLICATE_REFERENCE: "Mã tham chiếu đã tồn tại",
    PayCode.NOT_PAID: "Giao dịch chưa được thanh toán thành công",
}


def sync_answer(code: SyncCode, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    """``{"error_code", "message", ...}``; ``detail`` is appended to the standard message."""
    message = code.message if not detail else f"{code.message}: {detail}"
    return {"error_code": code.value, "message": message, **extra}


def pay_answer(code: PayCode, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    """``{"MaLoi", "MoTaLoi", ...}``."""
    message = code.message if not detail else f"{code.message}: {detail}"
    return {"MaLoi": code.value, "MoTaLoi": message, **extra}
