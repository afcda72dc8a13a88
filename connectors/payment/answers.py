"""The connector's answers to the platform and to the provincial system, in the platform's own convention.

Bodies are ``{"MaLoi": code, "MoTaLoi": message}``, as the payment platform answers its partners; ``"00"`` is
success. Unlike the platform, the connector also sets a meaningful HTTP status, because the platform retries a
callback on any non-2xx answer: a refusal that retrying cannot fix is a 4xx, a temporary failure a 503.

| HTTP | MaLoi | meaning |
|---|---|---|
| 200 / 201 | 00 | done: the event is published and Kafka acknowledged it (or it already was) |
| 400 | 02 | not a JSON object, or values that are not valid |
| 403 | 97 | ``MaXacThuc`` does not verify (forged, tampered, a signed field missing, another secret) |
| 403 | 03 | another partner's code |
| 404 | 04 | a reference the connector was never told about |
| 409 | 05 | the reference is registered with other content |
| 422 | 02 | amount or dossier code differ from the registered transaction; lines do not add up |
| 503 | 99 | Kafka did not acknowledge: retry later (``Retry-After``) |
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["AnswerCode", "answer"]


class AnswerCode(StrEnum):
    OK = "00"
    INVALID = "02"
    UNKNOWN_PARTNER = "03"
    NOT_FOUND = "04"
    DUPLICATE_REFERENCE = "05"
    BAD_SIGNATURE = "97"
    SYSTEM = "99"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    AnswerCode.OK: "Thành công",
    AnswerCode.INVALID: "Dữ liệu không hợp lệ",
    AnswerCode.UNKNOWN_PARTNER: "Mã đối tác không hợp lệ",
    AnswerCode.NOT_FOUND: "Không tìm thấy giao dịch",
    AnswerCode.DUPLICATE_REFERENCE: "Mã tham chiếu đã tồn tại với nội dung khác",
    AnswerCode.BAD_SIGNATURE: "Chữ ký không hợp lệ",
    AnswerCode.SYSTEM: "Lỗi hệ thống, vui lòng gửi lại sau",
}

_RETRY_AFTER_SECONDS = "5"


def answer(code: AnswerCode, status: int, detail: str | None = None, **extra: Any) -> JSONResponse:
    """``{"MaLoi", "MoTaLoi", ...}`` with ``status``; ``detail`` is appended to the standard message."""
    message = code.message if not detail else f"{code.message}: {detail}"
    headers = {"Retry-After": _RETRY_AFTER_SECONDS} if status == 503 else None
    return JSONResponse(
        {"MaLoi": code.value, "MoTaLoi": message, **extra}, status_code=status, headers=headers
    )
