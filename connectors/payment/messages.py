"""The messages the payment connector reads, with the payment platform's own Vietnamese field names.

* :class:`Confirmation`: the platform's signed confirmation callback (read only after ``MaXacThuc`` verified);
* :class:`Registration`: what the provincial system tells the connector after ``INIT`` — the INIT request body
  it sent to the platform, optionally with ``ThoiGianKhoiTao`` (when it called INIT);
* :class:`QueryAnswer`: the platform's answer to ``QUERY``.

Unknown fields are ignored (the platform and the provincial systems add their own). Times are the platform's
``yyyyMMddHHmmss`` in Vietnam time, read into aware timestamps. Amounts are whole VND: an integer, or a string
of digits as some systems send them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from contracts.codes import AgencyCode, DossierCode, OpaqueCode, ProcedureCode
from contracts.money import PositiveVnd, Vnd
from contracts.text import VietnameseText
from contracts.timestamps import from_portal_time

__all__ = ["Confirmation", "FeeLine", "QueryAnswer", "Registration", "describe_error"]


def _digits_to_int(value: Any) -> Any:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _portal_time(value: Any) -> Any:
    return from_portal_time(value) if isinstance(value, str) else value


PortalTime = Annotated[dt.datetime, BeforeValidator(_portal_time)]
OptionalCode = Annotated[OpaqueCode | None, BeforeValidator(_blank_to_none)]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class Confirmation(_Message):
    """The confirmation callback: ``MaLoi`` "00" means paid, anything else failed."""

    MaDoiTac: OpaqueCode
    MaThamChieu: OpaqueCode
    MaGiaoDich: OpaqueCode
    MaHoSo: DossierCode
    SoTien: Annotated[PositiveVnd, BeforeValidator(_digits_to_int)]
    MaNganHang: OptionalCode = None
    ThoiGianGD: PortalTime
    MaLoi: OpaqueCode
    MoTaLoi: Annotated[VietnameseText | None, BeforeValidator(_blank_to_none)] = None

    @property
    def paid(self) -> bool:
        return self.MaLoi == "00"


class FeeLine(_Message):
    """A line of the amount: ``LoaiPhiLePhi`` 1 fee (phí) or 2 charge (lệ phí)."""

    MaPhiLePhi: OptionalCode = None
    TenPhiLePhi: VietnameseText
    LoaiPhiLePhi: Annotated[int, BeforeValidator(_digits_to_int), Field(ge=1, le=2)] = 2
    SoTien: Annotated[Vnd, BeforeValidator(_digits_to_int)]


class Registration(_Message):
    """A transaction the provincial system initiated: its INIT body, optionally with when it called INIT."""

    MaDoiTac: OptionalCode = None
    MaThamChieu: OpaqueCode
    SoTien: Annotated[PositiveVnd, BeforeValidator(_digits_to_int)]
    MaHoSo: DossierCode
    MaTTHC: Annotated[ProcedureCode | None, BeforeValidator(_blank_to_none)] = None
    MaCoQuan: Annotated[AgencyCode | None, BeforeValidator(_blank_to_none)] = None
    DanhSachPhiLePhi: tuple[FeeLine, ...] = ()
    ThoiGianKhoiTao: Annotated[PortalTime | None, BeforeValidator(_blank_to_none)] = None


class QueryAnswer(_Message):
    """``QUERY``: ``TrangThaiGD`` 1 success, 3 pending (the platform does not know yet), 4 failed."""

    MaLoi: str
    MoTaLoi: str | None = None
    TrangThaiGD: int | None = None
    MaGiaoDich: OptionalCode = None
    MaNganHang: OptionalCode = None
    ThoiGianGD: Annotated[PortalTime | None, BeforeValidator(_blank_to_none)] = None


def describe_error(error: ValidationError) -> str:
    """A one-line account of what was wrong, field by field, without the values."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
