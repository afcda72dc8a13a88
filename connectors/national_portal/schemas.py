"""Request bodies of the portal's APIs, with the portal's own Vietnamese field names.

The sync API is lenient the way the real one is: numbers may arrive as numeric strings (``"2"``), an empty
string means "no value", and unknown fields are kept with the record. Required fields, code formats, dates
(``yyyyMMddHHmmss``) and the status range are checked; a failure is answered with an error code, never stored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from connectors.national_portal.clock import parse_portal_time
from connectors.national_portal.codes import AGENCY_CODE, DOSSIER_CODE, PROCEDURE_CODE

__all__ = [
    "Component",
    "DossierRecord",
    "FeeLine",
    "PayAction",
    "PaymentFeeLine",
    "PaymentInit",
    "PaymentLookup",
    "ProgressRow",
    "ResultDocument",
    "Submission",
    "SupplementRound",
    "describe",
]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _flag(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    return _blank_to_none(value)


def _portal_time(value: str | None) -> str | None:
    if value is not None:
        parse_portal_time(value)
    return value


def _matching(pattern: Any, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"không đúng định dạng {what}")
        return value

    return AfterValidator(check)


PortalTime = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_portal_time)]
Flag = Annotated[int | None, BeforeValidator(_flag), Field(ge=0, le=1)]
ApplicantType = Annotated[int, Field(ge=0, le=2)]  # 1 citizen / 2 enterprise (older API); 0/1/2 (newer)
Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
DossierCode = Annotated[str, Field(min_length=1, max_length=64), _matching(DOSSIER_CODE, "mã hồ sơ")]
ProcedureCode = Annotated[str, Field(min_length=1, max_length=64), _matching(PROCEDURE_CODE, "mã TTHC")]
AgencyCode = Annotated[str, _matching(AGENCY_CODE, "mã định danh cơ quan")]
Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Vnd = Annotated[int, Field(ge=0, strict=False)]


class _Portal(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=True)


class Component(_Portal):
    """One submitted component (``TaiLieuNop``) with the flags the national index counts."""

    MaThanhPhanHoSo: Text = None
    TepDinhKemId: Text = None
    TenTepDinhKem: Text = None
    DuongDanTaiTepTin: Text = None
    IsDeleted: Flag = None
    DuocSoHoa: Flag = None
    DuocTaiSuDung: Flag = None
    DuocLayTuKhoDMQG: Flag = None


class FeeLine(_Portal):
    """A fee line of the dossier (``DanhSachLePhi``); ``Gia`` in integer VND."""

    TenPhiLePhi: Text = None
    MaPhiLePhi: Text = None
    HinhThucThu: Text | int = None
    Gia: Vnd
    LoaiPhiLePhi: Text | int = None


class SupplementRound(_Portal):
    """A supplement request round (``DanhSachHoSoBoSung``)."""

    HoSoBoSungId: Text = None
    NguoiYeuCauBoSung: Text = None
    NoiDungBoSung: Text = None
    NgayBoSung: PortalTime = None
    NguoiTiepNhanBoSung: Text = None
    ThongTinTiepNhan: Text = None
    NgayTiepNhanBoSung: PortalTime = None
    TrangThaiBoSung: Text | int = None
    NgayHenTraTruoc: PortalTime = None
    NgayHenTraMoi: PortalTime = None


class ResultDocument(_Portal):
    """A result document (``DanhSachGiayToKetQua``)."""

    TenGiayTo: Text = None
    MaThanhPhanHoSo: Text = None
    GiayToId: Text = None
    DuongDanTepTinKetQua: Text = None


_RECEIVED_STATUSES = frozenset({2, 4, 5, 6, 8, 9, 10})


class DossierRecord(_Portal):
    """One dossier of ``DongBoHoSoMC``; the caller checks ``TrangThaiHoSo``'s range (it has its own code)."""

    MaHoSo: DossierCode
    MaTTHC: ProcedureCode
    TenTTHC: Annotated[str, Field(min_length=1)]
    MaLinhVuc: Annotated[str, Field(min_length=1)]
    TenLinhVuc: Text = None
    ChuHoSo: Text = None
    LoaiDoiTuong: ApplicantType
    MaDoiTuong: Text = None
    NgayTiepNhan: PortalTime = None
    NgayHenTra: PortalTime = None
    TrangThaiHoSo: int
    NgayTra: PortalTime = None
    NgayKetThucXuLy: PortalTime = None
    DonViXuLy: Annotated[str, Field(min_length=1)]
    KenhThucHien: Annotated[int | None, BeforeValidator(_blank_to_none), Field(ge=1, le=3)] = None
    HoSoCoThanhPhanSoHoa: Flag = None
    TaiKhoanDuocXacThucVoiVNeID: Flag = None
    DuocThanhToanTrucTuyen: Annotated[int | None, BeforeValidator(_blank_to_none), Field(ge=0, le=2)] = None
    TaiLieuNop: list[Component] = Field(default_factory=list)
    DanhSachLePhi: list[FeeLine] = Field(default_factory=list)
    DanhSachHoSoBoSung: list[SupplementRound] = Field(default_factory=list)
    DanhSachGiayToKetQua: list[ResultDocument] = Field(default_factory=list)

    @model_validator(mode="after")
    def _received_dossier_has_dates(self) -> DossierRecord:
        if self.TrangThaiHoSo in _RECEIVED_STATUSES:
            missing = [name for name in ("NgayTiepNhan", "NgayHenTra") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"hồ sơ đã tiếp nhận phải có {', '.join(missing)}")
        return self


class ProgressRow(_Portal):
    """One progress row of ``CapNhatTienDoHoSoMC`` (``TrangThai`` is accepted for ``TrangThaiHoSo``)."""

    MaHoSo: DossierCode
    TrangThaiHoSo: int = Field(validation_alias=AliasChoices("TrangThaiHoSo", "TrangThai"))
    ThoiDiemXuLy: Annotated[str, AfterValidator(_portal_time)] = Field(
        validation_alias=AliasChoices("ThoiDiemXuLy", "ThoiGian")
    )
    NguoiXuLy: Text = None
    ChucDanh: Text = None
    PhongBanXuLy: Text = None
    NoiDungXuLy: Text = None
    NgayBatDau: PortalTime = None
    NgayKetThucTheoQuyDinh: PortalTime = None


class Submission(_Portal):
    """A citizen's online submission; the portal assigns ``MaHoSo`` from the receiving agency and the day."""

    MaCoQuanTiepNhan: AgencyCode
    MaTTHC: ProcedureCode
    TenTTHC: Annotated[str, Field(min_length=1)]
    MaLinhVuc: Text = None
    ChuHoSo: Annotated[str, Field(min_length=1)]
    LoaiDoiTuong: ApplicantType = 1
    MaDoiTuong: Text = None
    TrichYeuHoSo: Text = None
    ThoiDiemNop: PortalTime = None
    TaiKhoanDuocXacThucVoiVNeID: Flag = None
    HoSoCoThanhPhanSoHoa: Flag = None
    TaiLieuNop: list[Component] = Field(default_factory=list)
    DanhSachLePhi: list[FeeLine] = Field(default_factory=list)


class PaymentFeeLine(_Portal):
    """A line of the amount: ``LoaiPhiLePhi`` 1 fee (phí) or 2 charge (lệ phí)."""

    MaPhiLePhi: Text = None
    TenPhiLePhi: Annotated[str, Field(min_length=1)]
    LoaiPhiLePhi: Annotated[int, Field(ge=1, le=2)] = 2
    SoTien: Vnd


class PaymentInit(_Portal):
    """``INIT``: create a transaction; the lines must add up to ``SoTien``."""

    MaDoiTac: Annotated[str, Field(min_length=1)]
    MaThamChieu: Reference
    SoTien: Annotated[int, Field(gt=0)]
    MaHoSo: Annotated[str, Field(min_length=1, max_length=64)]
    MaTTHC: Text = None
    MaCoQuan: Text = None
    NoiDungThanhToan: Text = None
    DuongDanQuayLai: Text = None
    DanhSachPhiLePhi: list[PaymentFeeLine] = Field(default_factory=list)

    @model_validator(mode="after")
    def _lines_add_up(self) -> PaymentInit:
        if self.DanhSachPhiLePhi and sum(line.SoTien for line in self.DanhSachPhiLePhi) != self.SoTien:
            raise ValueError("tổng DanhSachPhiLePhi khác SoTien")
        return self


class PaymentLookup(_Portal):
    """``QUERY`` and ``GET_BILL``: find a transaction by its reference."""

    MaDoiTac: Annotated[str, Field(min_length=1)]
    MaThamChieu: Reference


class PayAction(BaseModel):
    """The simulated citizen's payment at the platform; ``pending`` resolves to ``resolves_to`` later."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Literal["success", "fail", "pending"] = "success"
    resolves_to: Literal["success", "fail"] = "success"
    bank_code: Annotated[str, Field(min_length=1, max_length=20)] = "VCB"
    callback: bool = True


def describe(error: ValidationError) -> str:
    """A one-line account of what was wrong, field by field."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
