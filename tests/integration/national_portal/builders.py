"""Factories of portal request bodies (keyword overrides replace fields, ``None`` removes one)."""

from __future__ import annotations

from typing import Any

__all__ = ["PENDING_SECONDS", "make_dossier", "make_payment", "make_progress", "make_submission"]

PENDING_SECONDS = 1.0  # the session portal's pending_resolution_seconds


def _apply(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def make_dossier(code: str = "000.00.20.H14-250612-0007", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": "2.000815",
        "TenTTHC": "Chứng thực bản sao từ bản chính",
        "MaLinhVuc": "CTHC",
        "TenLinhVuc": "Chứng thực",
        "ChuHoSo": "Nông Văn A",
        "LoaiDoiTuong": "1",
        "MaDoiTuong": "",
        "NgayTiepNhan": "20250612080000",
        "NgayHenTra": "20250613170000",
        "TrangThaiHoSo": "2",
        "DonViXuLy": "UBND phường Thục Phán",
        "KenhThucHien": 1,
        "HoSoCoThanhPhanSoHoa": 1,
        "TaiLieuNop": [
            {"MaThanhPhanHoSo": "TP1", "TenTepDinhKem": "ban-chinh.pdf", "DuocSoHoa": 1, "DuocTaiSuDung": 1},
            {"MaThanhPhanHoSo": "TP2", "TenTepDinhKem": "cccd.pdf", "DuocLayTuKhoDMQG": 1},
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí chứng thực", "MaPhiLePhi": "LP01", "Gia": 6000}],
    }
    return _apply(body, overrides)


def make_progress(code: str, status: int, at: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaHoSo": code,
        "NguoiXuLy": "Hoàng Thị B",
        "ChucDanh": "Chuyên viên",
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": f"Chuyển trạng thái {status}",
        "TrangThai": status,
    }
    return _apply(body, overrides)


def make_submission(agency: str = "000.00.20.H14", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaCoQuanTiepNhan": agency,
        "MaTTHC": "1.000010",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "ChuHoSo": "Lục Thị C",
        "LoaiDoiTuong": 1,
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        "TaiLieuNop": [{"MaThanhPhanHoSo": "TK", "DuocLayTuKhoDMQG": 1}],
    }
    return _apply(body, overrides)


def make_payment(reference: str, partner: str = "LIENTHONG", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaDoiTac": partner,
        "MaThamChieu": reference,
        "SoTien": 56000,
        "MaHoSo": "000.00.20.H14-250612-0007",
        "MaTTHC": "2.000815",
        "MaCoQuan": "000.00.20.H14",
        "NoiDungThanhToan": "Nộp phí, lệ phí hồ sơ 000.00.20.H14-250612-0007",
        "DanhSachPhiLePhi": [
            {"MaPhiLePhi": "P01", "TenPhiLePhi": "Phí thẩm định", "LoaiPhiLePhi": 1, "SoTien": 50000},
            {"MaPhiLePhi": "LP01", "TenPhiLePhi": "Lệ phí", "LoaiPhiLePhi": 2, "SoTien": 6000},
        ],
    }
    return _apply(body, overrides)
