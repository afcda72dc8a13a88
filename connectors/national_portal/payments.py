"""The payment platform's ledger: transactions from INIT to a known outcome, and their confirmations.

A transaction is ``initiated`` by INIT, then paid by the (simulated) citizen. Its outcome is either known at
once (``paid`` / ``failed``) or only after ``pending_resolution_seconds`` (``pending``, with the eventual
outcome already decided and ``known_at`` in the future): QUERY answers ``TrangThaiGD`` 3 until then. The
confirmation callback is scheduled when the citizen pays, due when the outcome becomes known plus any
configured delay; duplicates are identical copies of one signed message. Times the platform reasons with
(``known_at``, ``due_at``) are Unix seconds so they survive a restart.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from connectors.national_portal.answers import PayCode, pay_answer
from connectors.national_portal.clock import format_portal_time
from connectors.national_portal.database import bump
from connectors.national_portal.injector import CallbackPlan
from connectors.national_portal.schemas import PayAction, PaymentInit
from connectors.national_portal.signature import SIGNATURE_FIELD, sign

__all__ = [
    "Partner",
    "TransactionState",
    "TransactionStatus",
    "all_payments",
    "bill",
    "init_transaction",
    "pay",
    "query",
    "status_of",
    "transaction",
]


class TransactionState(StrEnum):
    INITIATED = "initiated"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class TransactionStatus(IntEnum):
    """``TrangThaiGD`` as QUERY answers it."""

    SUCCESS = 1
    PENDING = 3
    FAILED = 4


@dataclass(frozen=True, slots=True)
class Partner:
    """The one partner (the province) this platform knows, and how it treats its payments."""

    code: str
    secret: str
    pending_resolution_seconds: float


def status_of(row: sqlite3.Row | dict[str, Any], now_ts: float) -> TransactionStatus:
    """What the platform knows of a transaction at ``now_ts``."""
    state = row["state"]
    if state == TransactionState.INITIATED or (row["known_at"] is not None and now_ts < row["known_at"]):
        return TransactionStatus.PENDING
    return TransactionStatus.SUCCESS if row["outcome"] == "success" else TransactionStatus.FAILED


def init_transaction(
    conn: sqlite3.Connection, request: PaymentInit, partner: Partner, now: datetime
) -> PayCode:
    if request.MaDoiTac != partner.code:
        return PayCode.UNKNOWN_PARTNER
    if conn.execute("SELECT 1 FROM transactions WHERE ma_tham_chieu = ?", (request.MaThamChieu,)).fetchone():
        return PayCode.DUPLICATE_REFERENCE
    conn.execute(
        "INSERT INTO transactions (ma_tham_chieu, ma_ho_so, so_tien, request, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            request.MaThamChieu,
            request.MaHoSo,
            request.SoTien,
            json.dumps(request.model_dump(mode="json", exclude_none=True), ensure_ascii=False),
            TransactionState.INITIATED.value,
            now.isoformat(),
        ),
    )
    bump(conn, "payments_initiated")
    return PayCode.OK


def _confirmation(row: dict[str, Any], partner: Partner) -> dict[str, Any]:
    code = PayCode.OK if row["outcome"] == "success" else PayCode.FAILED
    message: dict[str, Any] = {
        "MaDoiTac": partner.code,
        "MaThamChieu": row["ma_tham_chieu"],
        "MaGiaoDich": row["ma_giao_dich"],
        "MaHoSo": row["ma_ho_so"],
        "SoTien": row["so_tien"],
        "MaNganHang": row["ma_ngan_hang"],
        "ThoiGianGD": row["thoi_gian_gd"],
        "MaLoi": code.value,
        "MoTaLoi": code.message,
    }
    message[SIGNATURE_FIELD] = sign(message, partner.secret)
    return message


def pay(
    conn: sqlite3.Connection,
    reference: str,
    *,
    action: PayAction,
    plan: CallbackPlan,
    partner: Partner,
    now: datetime,
) -> dict[str, Any]:
    """The citizen pays: fix the outcome, assign ``MaGiaoDich``, schedule the confirmation(s)."""
    found = conn.execute("SELECT * FROM transactions WHERE ma_tham_chieu = ?", (reference,)).fetchone()
    if found is None:
        return pay_answer(PayCode.NOT_FOUND)
    if found["state"] != TransactionState.INITIATED:
        return pay_answer(PayCode.INVALID, "giao dịch đã được thanh toán", MaThamChieu=reference)
    row = dict(found)
    sequence = conn.execute(
        "SELECT rowid FROM transactions WHERE ma_tham_chieu = ?", (reference,)
    ).fetchone()[0]
    now_ts = now.timestamp()
    pending = action.outcome == "pending"
    outcome = action.resolves_to if pending else action.outcome
    state = (
        TransactionState.PENDING
        if pending
        else TransactionState("paid" if outcome == "success" else "failed")
    )
    row.update(
        ma_giao_dich=f"GD{format_portal_time(now)}{int(sequence):06d}",
        state=state.value,
        outcome=outcome,
        known_at=now_ts + (partner.pending_resolution_seconds if pending else 0.0),
        ma_ngan_hang=action.bank_code,
        thoi_gian_gd=format_portal_time(now),
    )
    conn.execute(
        "UPDATE transactions SET ma_giao_dich = ?, state = ?, outcome = ?, known_at = ?, ma_ngan_hang = ?, "
        "thoi_gian_gd = ? WHERE ma_tham_chieu = ?",
        (
            row["ma_giao_dich"],
            row["state"],
            row["outcome"],
            row["known_at"],
            row["ma_ngan_hang"],
            row["thoi_gian_gd"],
            reference,
        ),
    )
    bump(conn, f"payments_{state.value}")
    copies = plan.copies if action.callback else 0
    payload = json.dumps(_confirmation(row, partner), ensure_ascii=False)
    for copy in range(1, copies + 1):
        conn.execute(
            "INSERT INTO deliveries (ma_tham_chieu, copy, payload, state, due_at) "
            "VALUES (?, ?, ?, 'scheduled', ?)",
            (reference, copy, payload, row["known_at"] + plan.delay_s),
        )
    bump(conn, "callbacks_scheduled", copies)
    if copies == 0:
        bump(conn, "callbacks_withheld")
    return pay_answer(
        PayCode.OK,
        MaThamChieu=reference,
        MaGiaoDich=row["ma_giao_dich"],
        TrangThaiGD=int(status_of(row, now_ts)),
        KetQua=outcome,
        SoBanTinXacNhan=copies,
    )


def _find(
    conn: sqlite3.Connection, partner_code: str, reference: str, partner: Partner
) -> sqlite3.Row | PayCode:
    if partner_code != partner.code:
        return PayCode.UNKNOWN_PARTNER
    row = conn.execute("SELECT * FROM transactions WHERE ma_tham_chieu = ?", (reference,)).fetchone()
    return PayCode.NOT_FOUND if row is None else row


def query(
    conn: sqlite3.Connection, partner_code: str, reference: str, partner: Partner, now: datetime
) -> dict[str, Any]:
    """QUERY: the transaction's status as far as the platform knows it now."""
    bump(conn, "payment_queries")
    row = _find(conn, partner_code, reference, partner)
    if isinstance(row, PayCode):
        return pay_answer(row, MaThamChieu=reference)
    status = status_of(row, now.timestamp())
    known = status != TransactionStatus.PENDING
    return pay_answer(
        PayCode.OK,
        MaThamChieu=reference,
        MaHoSo=row["ma_ho_so"],
        SoTien=row["so_tien"],
        TrangThaiGD=int(status),
        MaGiaoDich=row["ma_giao_dich"] if known else None,
        MaNganHang=row["ma_ngan_hang"] if known else None,
        ThoiGianGD=row["thoi_gian_gd"] if known else None,
    )


def bill(
    conn: sqlite3.Connection, partner_code: str, reference: str, partner: Partner, now: datetime
) -> dict[str, Any]:
    """GET_BILL: the e-receipt of a transaction known to be paid."""
    row = _find(conn, partner_code, reference, partner)
    if isinstance(row, PayCode):
        return pay_answer(row, MaThamChieu=reference)
    if status_of(row, now.timestamp()) != TransactionStatus.SUCCESS:
        return pay_answer(PayCode.NOT_PAID, MaThamChieu=reference)
    request = json.loads(row["request"])
    lines = request.get("DanhSachPhiLePhi") or [
        {"MaPhiLePhi": None, "TenPhiLePhi": "Lệ phí", "LoaiPhiLePhi": 2, "SoTien": row["so_tien"]}
    ]
    receipt = {
        "SoBienLai": f"BL{row['ma_giao_dich']}",
        "MaGiaoDich": row["ma_giao_dich"],
        "MaThamChieu": reference,
        "MaHoSo": row["ma_ho_so"],
        "MaTTHC": request.get("MaTTHC"),
        "MaCoQuan": request.get("MaCoQuan"),
        "NoiDungThanhToan": request.get("NoiDungThanhToan"),
        "SoTien": row["so_tien"],
        "TongPhi": sum(line["SoTien"] for line in lines if line["LoaiPhiLePhi"] == 1),
        "TongLePhi": sum(line["SoTien"] for line in lines if line["LoaiPhiLePhi"] == 2),
        "MaNganHang": row["ma_ngan_hang"],
        "ThoiGianGD": row["thoi_gian_gd"],
        "DanhSachPhiLePhi": lines,
    }
    return pay_answer(PayCode.OK, BienLai=receipt)


def transaction(conn: sqlite3.Connection, reference: str, now: datetime) -> dict[str, Any] | None:
    """One transaction with its deliveries and their attempts (admin view and the citizen page)."""
    row = conn.execute("SELECT * FROM transactions WHERE ma_tham_chieu = ?", (reference,)).fetchone()
    return None if row is None else _view(conn, row, now.timestamp())


def _view(conn: sqlite3.Connection, row: sqlite3.Row, now_ts: float) -> dict[str, Any]:
    deliveries = []
    for delivery in conn.execute(
        "SELECT * FROM deliveries WHERE ma_tham_chieu = ? ORDER BY id", (row["ma_tham_chieu"],)
    ).fetchall():
        attempts = conn.execute(
            "SELECT attempted_at, status, error, duration_ms FROM delivery_attempts WHERE delivery_id = ? "
            "ORDER BY id",
            (delivery["id"],),
        ).fetchall()
        deliveries.append(
            {
                "id": delivery["id"],
                "copy": delivery["copy"],
                "state": delivery["state"],
                "due_at": delivery["due_at"],
                "delivered_at": delivery["delivered_at"],
                "payload": json.loads(delivery["payload"]),
                "attempts": [dict(attempt) for attempt in attempts],
            }
        )
    return {
        "MaThamChieu": row["ma_tham_chieu"],
        "MaGiaoDich": row["ma_giao_dich"],
        "MaHoSo": row["ma_ho_so"],
        "SoTien": row["so_tien"],
        "state": row["state"],
        "outcome": row["outcome"],
        "known_at": row["known_at"],
        "TrangThaiGD": int(status_of(row, now_ts)),
        "MaNganHang": row["ma_ngan_hang"],
        "ThoiGianGD": row["thoi_gian_gd"],
        "created_at": row["created_at"],
        "request": json.loads(row["request"]),
        "deliveries": deliveries,
    }


def all_payments(conn: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM transactions ORDER BY created_at, ma_tham_chieu").fetchall()
    return [_view(conn, row, now.timestamp()) for row in rows]
