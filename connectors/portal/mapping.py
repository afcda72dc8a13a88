"""The mapping between the contracts' dossier snapshot and the portal's records, both ways. Pure functions.

Outbound, :func:`portal_record` is one dossier of ``DongBoHoSoMC`` and :func:`progress_row` the progress row
of its current status (``CapNhatTienDoHoSoMC``). Inbound, :func:`dossier_from_record` reads a portal record
back into a :class:`~contracts.DossierStatusChanged`, :func:`held_status` reads just the status a looked-up
record holds (for the drift check's lookups), and :func:`submission_event` turns an item of the
online-submission feed (``HoSoTrucTuyen``) into an :class:`~contracts.OnlineSubmissionReceived`.

Field by field (portal ← contracts)::

    MaHoSo dossier_code · MaTTHC procedure_code · TenTTHC procedure_name · MaLinhVuc field_code
    MaCoQuanTiepNhan receiving_agency_code · DonViXuLy processing_agency_code, else the receiving agency
    TrangThaiHoSo status · KenhThucHien channel · NgayTiepNhan received_at · NgayHenTra due_at
    NgayKetThucXuLy processed_at · NgayTra delivered_at (yyyyMMddHHmmss, Vietnam time, whole seconds)
    ChuHoSo applicant.name · LoaiDoiTuong 1 citizen / 2 enterprise · MaDoiTuong personal ID / enterprise code
    HoSoCoThanhPhanSoHoa, TaiKhoanDuocXacThucVoiVNeID, DuocThanhToanTrucTuyen: the index flags
    TaiLieuNop components · DanhSachLePhi fees · DanhSachHoSoBoSung supplements · DanhSachGiayToKetQua results

The portal has no field for a component's name, so it travels as ``TenTepDinhKem`` (and a component without
one reads back with its code as its name). ``HinhThucThu`` codes (1 cash, 2 transfer, 3 online, 4 other) and
the result flags ``KetQuaDienTu``/``NgayBanHanh`` are this connector's convention, not confirmed for the real
portal. The applicant's phone is not sent: the portal's API has no field for it and data not needed is not
shared. Names and ID numbers are personal data: they are carried, never logged; errors name fields only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from connectors.errors import PortalRecordError
from contracts import DossierStatus, DossierStatusChanged, OnlineSubmissionReceived
from contracts.codes import agency_code_problem, parse_dossier_code
from contracts.events.dossier import ApplicantKind, CollectionMethod
from contracts.timestamps import from_portal_time, to_portal_time

__all__ = [
    "dossier_from_record",
    "held_status",
    "portal_record",
    "progress_recorded",
    "progress_row",
    "submission_event",
]

_COLLECTION_CODES = {
    CollectionMethod.CASH: 1,
    CollectionMethod.BANK_TRANSFER: 2,
    CollectionMethod.ONLINE: 3,
    CollectionMethod.OTHER: 4,
}
_COLLECTION_BY_CODE = {code: method for method, code in _COLLECTION_CODES.items()}
_APPLICANT_TYPES = {ApplicantKind.CITIZEN: 1, ApplicantKind.ENTERPRISE: 2}
_PROGRESS_SOURCE = "CapNhatTienDoHoSoMC"


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else to_portal_time(value)


def _flag(value: bool) -> int:
    return 1 if value else 0


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def portal_record(dossier: DossierStatusChanged) -> dict[str, Any]:
    """The dossier as one item of ``DongBoHoSoMC`` (absent values are left out)."""
    applicant = dossier.applicant
    subject_code = (
        applicant.personal_id if applicant.kind is ApplicantKind.CITIZEN else applicant.enterprise_code
    )
    return _without_none(
        {
            "MaHoSo": dossier.dossier_code,
            "MaTTHC": dossier.procedure_code,
            "TenTTHC": dossier.procedure_name,
            "MaLinhVuc": dossier.field_code,
            "MaCoQuanTiepNhan": dossier.receiving_agency_code,
            "DonViXuLy": dossier.processing_agency_code or dossier.receiving_agency_code,
            "ChuHoSo": applicant.name,
            "LoaiDoiTuong": _APPLICANT_TYPES[applicant.kind],
            "MaDoiTuong": subject_code,
            "TrangThaiHoSo": int(dossier.status),
            "KenhThucHien": int(dossier.channel),
            "NgayTiepNhan": _time(dossier.received_at),
            "NgayHenTra": _time(dossier.due_at),
            "NgayKetThucXuLy": _time(dossier.processed_at),
            "NgayTra": _time(dossier.delivered_at),
            "HoSoCoThanhPhanSoHoa": _flag(dossier.has_digitised_component),
            "TaiKhoanDuocXacThucVoiVNeID": _flag(dossier.vneid_verified),
            "DuocThanhToanTrucTuyen": int(dossier.online_payment),
            "TaiLieuNop": [
                {
                    "MaThanhPhanHoSo": component.code,
                    "TenTepDinhKem": component.name,
                    "DuocSoHoa": _flag(component.digitised),
                    "DuocTaiSuDung": _flag(component.reused),
                    "DuocLayTuKhoDMQG": _flag(component.from_national_data_store),
                }
                for component in dossier.components
            ],
            "DanhSachLePhi": [
                _without_none(
                    {
                        "TenPhiLePhi": fee.name,
                        "MaPhiLePhi": fee.code,
                        "HinhThucThu": _COLLECTION_CODES[fee.collection_method],
                        "Gia": fee.amount,
                    }
                )
                for fee in dossier.fees
            ],
            "DanhSachHoSoBoSung": [
                _without_none(
                    {
                        "NgayBoSung": _time(round_.requested_at),
                        "NgayTiepNhanBoSung": _time(round_.returned_at),
                        "NoiDungBoSung": round_.reason,
                    }
                )
                for round_ in dossier.supplements
            ],
            "DanhSachGiayToKetQua": [
                _without_none(
                    {
                        "GiayToId": result.code,
                        "TenGiayTo": result.name,
                        "KetQuaDienTu": _flag(result.electronic),
                        "NgayBanHanh": _time(result.issued_at),
                    }
                )
                for result in dossier.results
            ],
        }
    )


def progress_row(dossier: DossierStatusChanged) -> dict[str, Any]:
    """The progress row of the dossier's current status, stamped with when it changed."""
    return _without_none(
        {
            "MaHoSo": dossier.dossier_code,
            "TrangThai": int(dossier.status),
            "ThoiDiemXuLy": to_portal_time(dossier.status_changed_at),
            "NoiDungXuLy": dossier.status.label,
            "NgayBatDau": _time(dossier.received_at),
            "NgayKetThucTheoQuyDinh": _time(dossier.due_at),
        }
    )


def progress_recorded(found: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """Whether a looked-up record already holds ``row`` as its current status and in its history."""
    if _int(found.get("TrangThaiHoSo")) != row["TrangThai"]:
        return False
    history = found.get("LichSuTrangThai")
    return isinstance(history, list) and any(
        isinstance(entry, Mapping)
        and entry.get("NguonCapNhat") == _PROGRESS_SOURCE
        and _int(entry.get("TrangThaiHoSo")) == row["TrangThai"]
        and entry.get("ThoiDiem") == row["ThoiDiemXuLy"]
        for entry in history
    )


def holds_later_progress(found: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """Whether a looked-up record holds a progress row of this connector stamped later than ``row``: the
    portal already shows a newer state of the dossier than the snapshot ``row`` comes from."""
    history = found.get("LichSuTrangThai")
    at = row["ThoiDiemXuLy"]
    return isinstance(history, list) and any(
        isinstance(entry, Mapping)
        and entry.get("NguonCapNhat") == _PROGRESS_SOURCE
        and isinstance(entry.get("ThoiDiem"), str)
        and entry["ThoiDiem"] > at  # yyyyMMddHHmmss, Vietnam time: fixed width, ordered as text
        for entry in history
    )


def held_status(found: Mapping[str, Any]) -> DossierStatus | None:
    """The status (``TrangThaiHoSo``) a looked-up record holds; None when it holds none the contracts know."""
    code = _int(found.get("TrangThaiHoSo"))
    try:
        return None if code is None else DossierStatus(code)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _when(value: Any) -> dt.datetime | None:
    text = _text(value)
    return None if text is None else from_portal_time(text)


def _items(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = record.get(name)
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _receiving_agency(record: Mapping[str, Any], code: str) -> str:
    named = _text(record.get("MaCoQuanTiepNhan"))
    return named if named is not None else parse_dossier_code(code).agency_code


def _processing_agency(record: Mapping[str, Any], receiving: str) -> str | None:
    unit = _text(record.get("DonViXuLy"))
    if unit is None or unit == receiving or agency_code_problem(unit) is not None:
        return None  # a unit's name rather than its code says nothing routable
    return unit


def _applicant(record: Mapping[str, Any]) -> dict[str, Any]:
    kind = ApplicantKind.ENTERPRISE if _int(record.get("LoaiDoiTuong")) == 2 else ApplicantKind.CITIZEN
    subject_code = _text(record.get("MaDoiTuong"))
    identifier = "personal_id" if kind is ApplicantKind.CITIZEN else "enterprise_code"
    return {"kind": kind, "name": _text(record.get("ChuHoSo")), identifier: subject_code}


def _dossier_fields(record: Mapping[str, Any], status_changed_at: dt.datetime | None) -> dict[str, Any]:
    code = str(record.get("MaHoSo", ""))
    status = _int(record.get("TrangThaiHoSo"))
    receiving = _receiving_agency(record, code)
    channel = _int(record.get("KenhThucHien"))
    return {
        "dossier_code": code,
        "procedure_code": record.get("MaTTHC"),
        "procedure_name": _text(record.get("TenTTHC")),
        "field_code": _text(record.get("MaLinhVuc")),
        "receiving_agency_code": receiving,
        "processing_agency_code": _processing_agency(record, receiving),
        "status": status,
        "status_changed_at": status_changed_at or _when(record.get("ThoiDiemNop")),
        "channel": channel if channel is not None else (2 if status == DossierStatus.NEW_REGISTRATION else 1),
        "received_at": _when(record.get("NgayTiepNhan")),
        "due_at": _when(record.get("NgayHenTra")),
        "processed_at": _when(record.get("NgayKetThucXuLy")),
        "delivered_at": _when(record.get("NgayTra")),
        "applicant": _applicant(record),
        "components": [
            {
                "code": _text(item.get("MaThanhPhanHoSo")),
                "name": _text(item.get("TenTepDinhKem")) or _text(item.get("MaThanhPhanHoSo")),
                "digitised": _int(item.get("DuocSoHoa")) == 1,
                "reused": _int(item.get("DuocTaiSuDung")) == 1,
                "from_national_data_store": _int(item.get("DuocLayTuKhoDMQG")) == 1,
            }
            for item in _items(record, "TaiLieuNop")
            if _int(item.get("IsDeleted")) != 1
        ],
        "fees": [
            {
                "name": _text(item.get("TenPhiLePhi")),
                "code": _text(item.get("MaPhiLePhi")),
                "collection_method": _COLLECTION_BY_CODE.get(
                    _int(item.get("HinhThucThu")) or 0, CollectionMethod.OTHER
                ),
                "amount": _int(item.get("Gia")),
            }
            for item in _items(record, "DanhSachLePhi")
        ],
        "supplements": [
            {
                "requested_at": _when(item.get("NgayBoSung")),
                "returned_at": _when(item.get("NgayTiepNhanBoSung")),
                "reason": _text(item.get("NoiDungBoSung")),
            }
            for item in _items(record, "DanhSachHoSoBoSung")
        ],
        "results": [
            {
                "code": _text(item.get("GiayToId")) or _text(item.get("MaThanhPhanHoSo")),
                "name": _text(item.get("TenGiayTo")),
                "electronic": _int(item.get("KetQuaDienTu")) == 1,
                "issued_at": _when(item.get("NgayBanHanh")),
            }
            for item in _items(record, "DanhSachGiayToKetQua")
        ],
        "vneid_verified": _int(record.get("TaiKhoanDuocXacThucVoiVNeID")) == 1,
        "online_payment": _int(record.get("DuocThanhToanTrucTuyen")) or 0,
    }


def _problems(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def dossier_from_record(
    record: Mapping[str, Any], *, status_changed_at: dt.datetime | None = None
) -> DossierStatusChanged:
    """A portal record as a dossier snapshot; :class:`PortalRecordError` (fields named, no values) if it
    does not satisfy the contracts. ``status_changed_at`` defaults to the record's ``ThoiDiemNop``."""
    try:
        return DossierStatusChanged.model_validate(_dossier_fields(record, status_changed_at))
    except ValidationError as exc:
        raise PortalRecordError(f"portal record does not fit the contracts: {_problems(exc)}") from None
    except ValueError as exc:  # a malformed portal time or dossier code, before validation
        raise PortalRecordError(f"portal record does not fit the contracts: {exc}") from None


def submission_event(item: Mapping[str, Any]) -> OnlineSubmissionReceived:
    """An item of the ``HoSoTrucTuyen`` feed (with its ``cursor``) as the event the hub routes."""
    dossier = dossier_from_record(item)
    try:
        return OnlineSubmissionReceived.model_validate(
            {
                "dossier_code": dossier.dossier_code,
                "portal_cursor": _int(item.get("cursor")),
                "submitted_at": dossier.status_changed_at,
                "dossier": dossier,
            }
        )
    except ValidationError as exc:
        raise PortalRecordError(f"portal submission does not fit the contracts: {_problems(exc)}") from None
