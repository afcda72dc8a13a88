"""What goes on the wire: a dossier's province events (CloudEvents structured mode), its online submission to
the portal, and payment requests — all built from the generated records, as plain JSON values.

A province event is the dossier's full snapshot at one step (``DossierStatusChanged`` data): only what was
known at that moment (a supplement round returned later is still open; the result exists once processed; the
online-payment flag once the payment was confirmed). Its id is ``<dossier code>#<step number>``, its source
the province's one-stop system (the provincial People's Committee code), its time the step's.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from connectors.simulator.catalogue import FeeKind
from connectors.simulator.lifecycle import Dossier, FeeRecord, PaymentAttempt, Step
from connectors.simulator.workdays import VIETNAM_TIME
from contracts import DossierStatusChanged
from contracts.envelope import CONTENT_TYPE, SPEC_VERSION
from contracts.timestamps import to_portal_time

__all__ = [
    "event_id",
    "init_body",
    "pay_body",
    "province_event",
    "registration_body",
    "rfc3339",
    "snapshot",
    "submission_body",
]

_SUPPLEMENT_REASON = "Bổ sung giấy tờ còn thiếu theo quy định"


@functools.lru_cache(maxsize=16384)  # a dossier's dates recur in each of its snapshots
def rfc3339(moment: dt.datetime) -> str:
    """``2025-07-01T08:15:00+07:00``: Vietnamese time with its offset."""
    return moment.astimezone(VIETNAM_TIME).isoformat()


def event_id(dossier: Dossier, position: int) -> str:
    """The CloudEvents id of the province event for ``dossier.steps[position]``: ``<code>#<position + 1>``."""
    return f"{dossier.code}#{position + 1}"


def _fee(fee: FeeRecord) -> dict[str, Any]:
    return {"name": fee.name, "code": fee.code, "collection_method": fee.method, "amount": fee.amount}


def snapshot(dossier: Dossier, step: Step) -> dict[str, Any]:
    """The ``DossierStatusChanged`` data of ``dossier`` at ``step``."""
    at = step.at
    procedure = dossier.procedure
    data: dict[str, Any] = {
        "dossier_code": dossier.code,
        "procedure_code": procedure.code,
        "procedure_name": procedure.name,
        "field_code": procedure.field_code,
        "receiving_agency_code": dossier.sent_agency_code,
        "status": step.status,
        "status_changed_at": rfc3339(at),
        "channel": dossier.channel,
    }
    if dossier.received_at is not None and dossier.received_at <= at:
        assert dossier.due_at is not None
        data["received_at"] = rfc3339(dossier.received_at)
        data["due_at"] = rfc3339(dossier.due_at)
    if dossier.processed_at is not None and dossier.processed_at <= at:
        data["processed_at"] = rfc3339(dossier.processed_at)
    if dossier.delivered_at is not None and dossier.delivered_at <= at:
        data["delivered_at"] = rfc3339(dossier.delivered_at)
    data["applicant"] = dossier.applicant
    data["components"] = [
        {
            "code": c.code,
            "name": c.name,
            "digitised": c.digitised,
            "reused": c.reused,
            "from_national_data_store": c.national_store,
        }
        for c in dossier.components
    ]
    data["fees"] = [_fee(fee) for fee in dossier.fees]
    data["supplements"] = [
        {"requested_at": rfc3339(r.requested_at), "reason": _SUPPLEMENT_REASON}
        | (
            {"returned_at": rfc3339(r.returned_at)}
            if r.returned_at is not None and r.returned_at <= at
            else {}
        )
        for r in dossier.rounds
        if r.requested_at <= at
    ]
    data["results"] = [
        {"code": r.code, "name": r.name, "electronic": r.electronic, "issued_at": rfc3339(r.issued_at)}
        for r in dossier.results
        if r.issued_at <= at
    ]
    data["vneid_verified"] = dossier.vneid
    data["online_payment"] = dossier.flag_at(at)
    return data


def province_event(dossier: Dossier, position: int, *, source: str) -> dict[str, Any]:
    """The structured-mode CloudEvent the province sends for ``dossier.steps[position]``."""
    step = dossier.steps[position]
    return {
        "specversion": SPEC_VERSION,
        "id": event_id(dossier, position),
        "source": source,
        "type": DossierStatusChanged.event_type,
        "time": rfc3339(step.at),
        "subject": dossier.code,
        "datacontenttype": CONTENT_TYPE,
        "data": snapshot(dossier, step),
    }


def _flag(value: bool) -> int:
    return 1 if value else 0


def submission_body(dossier: Dossier) -> dict[str, Any]:
    """``POST /citizen/submissions``: the citizen files the dossier on the portal at its submission time."""
    assert dossier.submitted_at is not None
    applicant = dossier.applicant
    enterprise = applicant["kind"] == "enterprise"
    return {
        "MaCoQuanTiepNhan": dossier.sent_agency_code,
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": dossier.procedure.name,
        "MaLinhVuc": dossier.procedure.field_code,
        "ChuHoSo": applicant["name"],
        "LoaiDoiTuong": 2 if enterprise else 1,
        "MaDoiTuong": applicant["enterprise_code"] if enterprise else applicant["personal_id"],
        "TrichYeuHoSo": dossier.procedure.name,
        "ThoiDiemNop": to_portal_time(dossier.submitted_at),
        "TaiKhoanDuocXacThucVoiVNeID": _flag(dossier.vneid),
        "HoSoCoThanhPhanSoHoa": _flag(any(c.digitised for c in dossier.components)),
        "TaiLieuNop": [
            {
                "MaThanhPhanHoSo": c.code,
                "TenTepDinhKem": f"{c.name}.pdf",
                "DuocSoHoa": _flag(c.digitised),
                "DuocTaiSuDung": _flag(c.reused),
                "DuocLayTuKhoDMQG": _flag(c.national_store),
            }
            for c in dossier.components
        ],
        "DanhSachLePhi": [
            {"TenPhiLePhi": f.name, "MaPhiLePhi": f.code, "HinhThucThu": f.method, "Gia": f.amount}
            for f in dossier.fees
        ],
    }


def init_body(attempt: PaymentAttempt, *, partner_code: str) -> dict[str, Any]:
    """``INIT`` on the payment platform for ``attempt``."""
    return {
        "MaDoiTac": partner_code,
        "MaThamChieu": attempt.reference,
        "SoTien": attempt.amount,
        "MaHoSo": attempt.dossier_code,
        "MaTTHC": attempt.procedure_code,
        "MaCoQuan": attempt.agency_code,
        "NoiDungThanhToan": f"Thanh toán phí, lệ phí hồ sơ {attempt.dossier_code}",
        "DanhSachPhiLePhi": [
            {
                "MaPhiLePhi": line.code,
                "TenPhiLePhi": line.name,
                "LoaiPhiLePhi": 1 if line.kind is FeeKind.FEE else 2,
                "SoTien": line.amount,
            }
            for line in attempt.lines
            if line.amount > 0
        ],
    }


def registration_body(attempt: PaymentAttempt, *, partner_code: str) -> dict[str, Any]:
    """``POST /paygov/transactions`` on the payment connector: the INIT body and when INIT was called."""
    return init_body(attempt, partner_code=partner_code) | {"ThoiGianKhoiTao": to_portal_time(attempt.at)}


def pay_body(attempt: PaymentAttempt) -> dict[str, Any]:
    """``POST /pay/{MaThamChieu}``: the simulated citizen's payment."""
    body: dict[str, Any] = {"outcome": attempt.outcome}
    if attempt.resolves_to is not None:
        body["resolves_to"] = attempt.resolves_to
    return body
