"""Dossier lifecycle events: one snapshot event per status transition, as synchronised to the national portal.

A dossier's whole state travels with each transition (the portal's sync API upserts the whole dossier, then
pushes progress), so a consumer never needs an earlier event to act on a later one. Statuses, channels and the
flags the national index counts follow the portal's fields (TrangThaiHoSo, KenhThucHien, DuocSoHoa,
DuocTaiSuDung, …).
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, StrEnum
from typing import ClassVar, Self

from pydantic import Field, StrictBool, model_validator

from contracts.codes import (
    AgencyCode,
    CitizenIdNumber,
    DossierCode,
    EnterpriseCode,
    OpaqueCode,
    PhoneNumber,
    ProcedureCode,
)
from contracts.codes._problem import invalid
from contracts.events.base import PERSONAL_DATA, TYPE_PREFIX, ContractModel, EventData
from contracts.money import Vnd
from contracts.text import VietnameseText
from contracts.timestamps import Timestamp

__all__ = [
    "Applicant",
    "ApplicantKind",
    "Channel",
    "CollectionMethod",
    "Component",
    "DossierStatus",
    "DossierStatusChanged",
    "FeeLine",
    "OnlinePayment",
    "ResultDocument",
    "SupplementRound",
]


class DossierStatus(IntEnum):
    """TrangThaiHoSo: 1 Mới đăng ký · 2 Được tiếp nhận · 3 Không được tiếp nhận · 4 Đang xử lý · 5 Yêu cầu bổ
    sung · 6 Yêu cầu thực hiện nghĩa vụ tài chính · 7 Công dân yêu cầu rút hồ sơ · 8 Dừng xử lý · 9 Đã xử lý
    xong · 10 Đã trả kết quả."""

    NEW_REGISTRATION = 1
    RECEIVED = 2
    NOT_RECEIVED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWN = 7
    STOPPED = 8
    PROCESSED = 9
    DELIVERED = 10

    @property
    def label(self) -> str:
        """The status's Vietnamese name, as the portal shows it."""
        return _STATUS_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        """Whether the status ends processing (3, 7, 8, 9, 10)."""
        return self in _TERMINAL


_STATUS_LABELS = {
    DossierStatus.NEW_REGISTRATION: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.NOT_RECEIVED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung",
    DossierStatus.FINANCIAL_OBLIGATION: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.PROCESSED: "Đã xử lý xong",
    DossierStatus.DELIVERED: "Đã trả kết quả",
}
_TERMINAL = frozenset(
    {
        DossierStatus.NOT_RECEIVED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.PROCESSED,
        DossierStatus.DELIVERED,
    }
)
_NEEDS_RECEPTION = frozenset(DossierStatus) - {
    DossierStatus.NEW_REGISTRATION,
    DossierStatus.NOT_RECEIVED,
    DossierStatus.WITHDRAWN,
}

_REQUIRED_DATES = {
    DossierStatus.PROCESSED: ("processed_at",),
    DossierStatus.DELIVERED: ("delivered_at",),
}


class Channel(IntEnum):
    """KenhThucHien: 1 in person (trực tiếp), 2 online (trực tuyến), 3 public postal (bưu chính công ích)."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3


class OnlinePayment(IntEnum):
    """DuocThanhToanTrucTuyen: 0 not paid online, 1 on the national portal, 2 via the provincial gateway."""

    NONE = 0
    NATIONAL_PORTAL = 1
    PROVINCIAL_GATEWAY = 2


class ApplicantKind(StrEnum):
    """Who submits: a citizen or an enterprise (the portal's numeric codes differ between API generations)."""

    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


class CollectionMethod(StrEnum):
    """HinhThucThu: how a fee line is collected."""

    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    ONLINE = "online"
    OTHER = "other"


class Applicant(ContractModel):
    """ChuHoSo: the dossier's owner. A citizen carries a personal ID; an enterprise its enterprise code."""

    kind: ApplicantKind
    name: VietnameseText = Field(json_schema_extra={PERSONAL_DATA: True})
    """Full name of the citizen, or the enterprise's name."""
    personal_id: CitizenIdNumber | None = Field(default=None, json_schema_extra={PERSONAL_DATA: True})
    """CCCD (12 digits) or CMND (9 digits); required for a citizen, the representative's for an enterprise."""
    enterprise_code: EnterpriseCode | None = Field(default=None, json_schema_extra={PERSONAL_DATA: True})
    """Required for an enterprise, absent for a citizen."""
    phone: PhoneNumber | None = Field(default=None, json_schema_extra={PERSONAL_DATA: True})

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if self.kind is ApplicantKind.CITIZEN:
            if self.personal_id is None:
                raise invalid("applicant", "a citizen applicant needs personal_id")
            if self.enterprise_code is not None:
                raise invalid("applicant", "a citizen applicant must not carry enterprise_code")
        elif self.enterprise_code is None:
            raise invalid("applicant", "an enterprise applicant needs enterprise_code")
        return self


class Component(ContractModel):
    """A submitted dossier component (thành phần hồ sơ) and the flags the national index counts."""

    code: OpaqueCode
    """MaThanhPhanHoSo."""
    name: VietnameseText
    digitised: StrictBool
    """DuocSoHoa: the component was digitised."""
    reused: StrictBool
    """DuocTaiSuDung: the data was reused from an existing database instead of being submitted again."""
    from_national_data_store: StrictBool
    """DuocLayTuKhoDMQG: the data was taken from the national data store."""


class FeeLine(ContractModel):
    """A fee or charge line of the dossier (DanhSachLePhi)."""

    name: VietnameseText
    """TenPhiLePhi."""
    code: OpaqueCode | None = None
    """MaPhiLePhi."""
    collection_method: CollectionMethod
    amount: Vnd
    """Gia, whole VND."""


class SupplementRound(ContractModel):
    """A request for the applicant to supplement the dossier, and when the applicant returned it."""

    requested_at: Timestamp
    returned_at: Timestamp | None = None
    """Absent while the applicant has not returned the supplement."""
    reason: VietnameseText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.returned_at is not None and self.returned_at < self.requested_at:
            raise invalid("supplement_round", "returned_at must not be before requested_at")
        return self


class ResultDocument(ContractModel):
    """A result document of the dossier (DanhSachGiayToKetQua)."""

    code: OpaqueCode
    name: VietnameseText
    electronic: StrictBool
    """The result was issued electronically (the index's e-result indicator)."""
    issued_at: Timestamp | None = None


class DossierStatusChanged(EventData):
    """A dossier reached a status (or changed within it): the dossier's full state at that moment."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}dossier.status_changed.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    """MaHoSo: the Kafka key and event subject."""
    procedure_code: ProcedureCode
    """MaTTHC."""
    procedure_name: VietnameseText
    """TenTTHC."""
    field_code: OpaqueCode | None = None
    """MaLinhVuc: the procedure's field."""
    receiving_agency_code: AgencyCode
    """The agency that receives the dossier; the routing key towards the provincial system."""
    processing_agency_code: AgencyCode | None = None
    """DonViXuLy, when another unit processes it."""
    status: DossierStatus
    status_changed_at: Timestamp
    channel: Channel
    received_at: Timestamp | None = None
    """NgayTiepNhan; required from status 2 on (absent for 1 and possibly 3 and 7)."""
    due_at: Timestamp | None = None
    """NgayHenTra, the promised result date; required whenever received_at is required."""
    processed_at: Timestamp | None = None
    """NgayKetThucXuLy, the end of processing; required for status 9."""
    delivered_at: Timestamp | None = None
    """NgayTra, when the result was delivered; required for status 10."""
    applicant: Applicant
    components: tuple[Component, ...] = ()
    fees: tuple[FeeLine, ...] = ()
    supplements: tuple[SupplementRound, ...] = ()
    results: tuple[ResultDocument, ...] = ()
    vneid_verified: StrictBool = False
    """TaiKhoanDuocXacThucVoiVNeID: the applicant's account is verified with VNeID."""
    online_payment: OnlinePayment = OnlinePayment.NONE
    """DuocThanhToanTrucTuyen."""

    @property
    def has_digitised_component(self) -> bool:
        """HoSoCoThanhPhanSoHoa: at least one component is digitised."""
        return any(component.digitised for component in self.components)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problem = _lifecycle_problem(self) or _supplement_problem(self)
        if problem is not None:
            raise invalid("dossier", problem)
        return self


def _lifecycle_problem(event: DossierStatusChanged) -> str | None:
    status = event.status
    named = f"status {status.value} ({status.name.lower()})"
    required = [*_REQUIRED_DATES.get(status, ())]
    if status in _NEEDS_RECEPTION:
        required[:0] = ["received_at", "due_at"]
    missing = [name for name in required if getattr(event, name) is None]
    if missing:
        return f"{named} needs {' and '.join(missing)}"
    if status is DossierStatus.NEW_REGISTRATION:
        if event.channel is not Channel.ONLINE:
            return f"{named} is an online submission: channel must be 2 (online)"
        if event.received_at is not None:
            return f"{named} is not received yet: received_at must be absent"
    return _date_order_problem(event)


def _date_order_problem(event: DossierStatusChanged) -> str | None:
    received = event.received_at
    if received is not None:
        for name in ("due_at", "processed_at", "delivered_at"):
            value: dt.datetime | None = getattr(event, name)
            if value is not None and value < received:
                return f"{name} must not be before received_at"
    return None


def _supplement_problem(event: DossierStatusChanged) -> str | None:
    open_rounds = [i for i, r in enumerate(event.supplements) if r.returned_at is None]
    if len(open_rounds) > 1 or (open_rounds and open_rounds[0] != len(event.supplements) - 1):
        return "only the last supplement round may be open (without returned_at)"
    if event.status is DossierStatus.SUPPLEMENT_REQUESTED and not open_rounds:
        return (
            "status 5 (supplement_requested) needs an open supplement round (the last, without returned_at)"
        )
    return None
