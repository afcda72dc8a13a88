"""The mapping between dossier snapshots and the portal's records: field by field, both ways, no loss."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import PortalRecordError
from connectors.portal.mapping import (
    dossier_from_record,
    portal_record,
    progress_recorded,
    progress_row,
    submission_event,
)
from contracts import DossierStatus
from tests.unit.portal_connector.portal_factories import (
    APPLICANT_NAME,
    PERSONAL_ID,
    RECEIVED,
    dossier_code,
    make_snapshot,
)


def test_record_carries_the_portal_fields() -> None:
    """Codes, dates (yyyyMMddHHmmss, Vietnam time), applicant and index flags land in the portal's fields."""
    snapshot = make_snapshot(status=9, status_changed_at=dt.datetime(2025, 6, 13, 1, 30, 15, tzinfo=dt.UTC))
    record = portal_record(snapshot)
    assert record["MaHoSo"] == "000.00.20.H14-250612-0007"
    assert record["MaTTHC"] == "2.000815"
    assert record["MaLinhVuc"] == "CTHC"
    assert record["TrangThaiHoSo"] == 9
    assert record["NgayTiepNhan"] == "20250612080000"
    assert record["NgayHenTra"] == "20250615080000"
    assert record["NgayKetThucXuLy"] == "20250613080000"
    assert "NgayTra" not in record
    assert (record["ChuHoSo"], record["LoaiDoiTuong"], record["MaDoiTuong"]) == (
        APPLICANT_NAME,
        1,
        PERSONAL_ID,
    )
    assert record["DonViXuLy"] == record["MaCoQuanTiepNhan"] == "000.00.20.H14"
    assert record["HoSoCoThanhPhanSoHoa"] == 1
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 1
    assert record["DuocThanhToanTrucTuyen"] == 1
    assert record["TaiLieuNop"][1] == {
        "MaThanhPhanHoSo": "TP2",
        "TenTepDinhKem": "Căn cước công dân",
        "DuocSoHoa": 1,
        "DuocTaiSuDung": 0,
        "DuocLayTuKhoDMQG": 1,
    }
    assert record["DanhSachLePhi"] == [
        {"TenPhiLePhi": "Lệ phí chứng thực", "MaPhiLePhi": "LP01", "HinhThucThu": 3, "Gia": 6000}
    ]
    row = progress_row(snapshot)
    assert row["ThoiDiemXuLy"] == "20250613083015"  # 01:30:15 UTC is 08:30:15 in Hà Nội
    assert (row["MaHoSo"], row["TrangThai"], row["NoiDungXuLy"]) == (
        snapshot.dossier_code,
        9,
        "Đã xử lý xong",
    )


def test_enterprise_applicant_and_processing_unit() -> None:
    """An enterprise is LoaiDoiTuong 2 with its enterprise code; another processing unit is DonViXuLy."""
    snapshot = make_snapshot(
        applicant={"kind": "enterprise", "name": "Công ty TNHH Bản Giốc", "enterprise_code": "0100109106"},
        processing_agency_code="000.00.15.H14",
    )
    record = portal_record(snapshot)
    assert (record["LoaiDoiTuong"], record["MaDoiTuong"], record["DonViXuLy"]) == (
        2,
        "0100109106",
        "000.00.15.H14",
    )
    assert dossier_from_record(record, status_changed_at=snapshot.status_changed_at) == snapshot


@pytest.mark.parametrize("status", list(DossierStatus))
def test_round_trip_every_status(status: DossierStatus) -> None:
    """Snapshot → portal record → snapshot gives the snapshot back, for every status."""
    snapshot = make_snapshot(
        status=int(status),
        results=[
            {"code": "KQ1", "name": "Bản sao chứng thực", "electronic": True, "issued_at": RECEIVED},
        ],
    )
    back = dossier_from_record(portal_record(snapshot), status_changed_at=snapshot.status_changed_at)
    assert back == snapshot


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.integers(min_value=0, max_value=10 * 365 * 86400),
    offset_hours=st.integers(min_value=-12, max_value=14),
    digitised=st.booleans(),
    reused=st.booleans(),
    amount=st.integers(min_value=0, max_value=2**53 - 1),
    method=st.sampled_from(["cash", "bank_transfer", "online", "other"]),
)
def test_round_trip_keeps_instants_flags_and_amounts(
    *, seconds: int, offset_hours: int, digitised: bool, reused: bool, amount: int, method: str
) -> None:
    """Any whole-second instant in any offset, any flags and any VND amount survive the round trip."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    received = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(zone)
    snapshot = make_snapshot(
        status=4,
        received_at=received,
        due_at=received + dt.timedelta(days=5),
        status_changed_at=received + dt.timedelta(hours=1),
        components=[
            {
                "code": "A",
                "name": "Tờ khai",
                "digitised": digitised,
                "reused": reused,
                "from_national_data_store": False,
            }
        ],
        fees=[{"name": "Phí", "collection_method": method, "amount": amount}],
    )
    assert (
        dossier_from_record(portal_record(snapshot), status_changed_at=snapshot.status_changed_at) == snapshot
    )


def _feed_item(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "cursor": 41,
        "MaHoSo": "000.00.20.H14-250612-0003",
        "MaCoQuanTiepNhan": "000.00.20.H14",
        "MaTTHC": "1.000010",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "ChuHoSo": "Lục Thị Cúc",
        "LoaiDoiTuong": 1,
        "MaDoiTuong": PERSONAL_ID,
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        "TaiLieuNop": [{"MaThanhPhanHoSo": "TK", "DuocLayTuKhoDMQG": 1}],
        "TrangThaiHoSo": 1,
        "KenhThucHien": 2,
        "ThoiDiemNop": "20250612093000",
    }
    item.update(overrides)
    return item


def test_submission_becomes_a_status_1_event() -> None:
    """A feed item is a new online registration: status 1, channel 2, its cursor and submission time."""
    event = submission_event(_feed_item())
    assert event.portal_cursor == 41
    assert event.submitted_at == dt.datetime(2025, 6, 12, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    dossier = event.dossier
    assert (dossier.status, dossier.channel.value, dossier.received_at) == (
        DossierStatus.NEW_REGISTRATION,
        2,
        None,
    )
    assert dossier.applicant.personal_id == PERSONAL_ID
    assert dossier.components[0].name == "TK"  # the portal has no component name: the code stands in
    assert dossier.components[0].from_national_data_store
    assert dossier.vneid_verified


def test_short_agency_form_is_accepted() -> None:
    """Submissions to units with the short code form (H44.07) map too."""
    event = submission_event(_feed_item(MaHoSo="H44.07-250612-0001", MaCoQuanTiepNhan="H44.07"))
    assert event.dossier.receiving_agency_code == "H44.07"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"MaDoiTuong": None}, "personal_id"),
        ({"ThoiDiemNop": "2025-06-12"}, "portal time"),
        ({"MaTTHC": "khai-sinh"}, "procedure_code"),
        ({"cursor": None}, "portal_cursor"),
    ],
)
def test_unfit_submission_is_refused_without_its_values(overrides: dict[str, object], field: str) -> None:
    """A feed item the contracts reject raises PortalRecordError naming the field, never personal data."""
    item = {key: value for key, value in _feed_item(**overrides).items() if value is not None}
    with pytest.raises(PortalRecordError) as caught:
        submission_event(item)
    assert field in str(caught.value)
    assert PERSONAL_ID not in str(caught.value)
    assert "Lục" not in str(caught.value)


def test_progress_already_recorded_is_recognised() -> None:
    """A looked-up record whose history holds the row (same status, same time, from progress) skips a push."""
    snapshot = make_snapshot(status=4)
    row = progress_row(snapshot)
    found = {
        "TrangThaiHoSo": 4,
        "LichSuTrangThai": [
            {"TrangThaiHoSo": 4, "ThoiDiem": row["ThoiDiemXuLy"], "NguonCapNhat": "CapNhatTienDoHoSoMC"}
        ],
    }
    assert progress_recorded(found, row)
    assert not progress_recorded({**found, "TrangThaiHoSo": 9}, row)  # a later status came since
    assert not progress_recorded({"TrangThaiHoSo": 4, "LichSuTrangThai": []}, row)
    assert not progress_recorded({"TrangThaiHoSo": "4"}, row)


def test_dossier_codes_of_the_newer_form_map() -> None:
    """The ministry form G09.20-20260609-0092637 travels unchanged."""
    code = "G09.20-20260609-0092637"
    snapshot = make_snapshot(code=code, receiving_agency_code="G09.20")
    assert portal_record(snapshot)["MaHoSo"] == code
    assert (
        dossier_from_record(portal_record(snapshot), status_changed_at=snapshot.status_changed_at) == snapshot
    )
    assert dossier_code(12) == "000.00.20.H14-250612-0012"
