"""Dossier codes the portal assigns: format, the Vietnamese day, and the daily sequence per agency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors.national_portal.codes import DOSSIER_CODE, format_dossier_code, local_day
from connectors.national_portal.database import Database
from connectors.national_portal.registry import submit, sync_dossier
from connectors.national_portal.schemas import DossierRecord, Submission


def test_format() -> None:
    """<agency>-YYMMDD-NNNN, four digits at least."""
    assert format_dossier_code("000.00.20.H56", date(2025, 6, 12), 7) == "000.00.20.H56-250612-0007"
    assert format_dossier_code("H44.100", date(2025, 7, 1), 12345) == "H44.100-250701-12345"
    with pytest.raises(ValueError, match="agency"):
        format_dossier_code("Cao Bang", date(2025, 6, 12), 1)
    with pytest.raises(ValueError, match="sequence"):
        format_dossier_code("000.00.20.H56", date(2025, 6, 12), 0)


def test_accepted_dossier_code_shapes() -> None:
    """Both the circular's format and the newer ministry format are valid on input."""
    assert DOSSIER_CODE.match("000.00.20.H56-250612-0007")
    assert DOSSIER_CODE.match("G09.20-20260609-0092637")
    assert not DOSSIER_CODE.match("000.00.20.H56-2506-0007")
    assert not DOSSIER_CODE.match("H56/250612/0007")


def test_day_is_vietnamese() -> None:
    """17:30 UTC is already the next day in Vietnam (UTC+7)."""
    assert local_day(datetime(2025, 6, 12, 16, 59, tzinfo=UTC)) == date(2025, 6, 12)
    assert local_day(datetime(2025, 6, 12, 17, 30, tzinfo=UTC)) == date(2025, 6, 13)


def _submission(agency: str, at: str | None = None) -> Submission:
    return Submission(
        MaCoQuanTiepNhan=agency, MaTTHC="1.000010", TenTTHC="Đăng ký khai sinh", ChuHoSo="A", ThoiDiemNop=at
    )


def test_sequence_per_agency_and_day(tmp_path: Path) -> None:
    """The sequence counts per agency, restarts each day, and skips codes the province already synced."""
    db = Database(tmp_path / "codes.sqlite3")
    db.open()
    now = datetime(2025, 6, 12, 3, 0, tzinfo=UTC)
    taken = DossierRecord.model_validate(
        {
            "MaHoSo": "000.00.20.H14-250612-0003",
            "MaTTHC": "1.000010",
            "TenTTHC": "x",
            "MaLinhVuc": "HT",
            "LoaiDoiTuong": 1,
            "TrangThaiHoSo": 1,
            "DonViXuLy": "UBND",
        }
    )

    def file(submission: Submission) -> str:
        return db.run_sync(lambda conn: submit(conn, submission, now))[0]

    try:
        db.run_sync(lambda conn: sync_dossier(conn, taken, False, now))
        codes = [
            file(submission)
            for submission in (
                _submission("000.00.20.H14"),
                _submission("000.00.20.H14"),
                _submission("000.00.19.H15"),
                _submission("000.00.20.H14"),
                _submission("000.00.20.H14", "20250613000000"),
            )
        ]
    finally:
        db.close()
    assert codes == [
        "000.00.20.H14-250612-0001",
        "000.00.20.H14-250612-0002",
        "000.00.19.H15-250612-0001",
        "000.00.20.H14-250612-0004",
        "000.00.20.H14-250613-0001",
    ]
