"""Online submissions on the mock portal: dossier codes assigned per agency and day, cursor paging."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from tests.fixtures.portal import PortalProcess
from tests.integration.national_portal.builders import make_dossier, make_submission

FEED = "/api/dvc/HoSoTrucTuyen"
VN = timezone(timedelta(hours=7))


def _submit(admin: httpx.Client, **overrides: Any) -> dict[str, Any]:
    answer = admin.post("/citizen/submissions", json=make_submission(**overrides))
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["error_code"] == "00", body
    return body


def _drain(api: httpx.Client, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every submission after ``after``, page by page; returns them and the last cursor."""
    seen: list[dict[str, Any]] = []
    while True:
        page = api.get(FEED, params={"after": after, "limit": limit}).json()
        assert page["error_code"] == "00"
        seen.extend(page["data"])
        after = page["next_cursor"]
        if not page["has_more"]:
            return seen, after


def test_codes_follow_agency_day_and_sequence(admin: httpx.Client) -> None:
    """<agency>-YYMMDD-NNNN: the sequence counts per agency and restarts on the next (Vietnamese) day."""
    day = "20250612"
    first = [_submit(admin, ThoiDiemNop=f"{day}0{hour}0000")["MaHoSo"] for hour in range(1, 4)]
    other_agency = _submit(admin, agency="000.00.19.H15", ThoiDiemNop=f"{day}103000")["MaHoSo"]
    next_day = _submit(admin, ThoiDiemNop="20250613000500")["MaHoSo"]
    assert first == [f"000.00.20.H14-250612-000{n}" for n in (1, 2, 3)]
    assert other_agency == "000.00.19.H15-250612-0001"
    assert next_day == "000.00.20.H14-250613-0001"

    today = datetime.now(VN).strftime("%y%m%d")
    assert _submit(admin, agency="H14.07")["MaHoSo"] == f"H14.07-{today}-0001"


def test_submission_is_a_status_1_online_dossier(api: httpx.Client, admin: httpx.Client) -> None:
    """A submission is a status-1, channel-2 dossier, so the province must update it, not create it."""
    code = _submit(admin, ThoiDiemNop="20250612080000")["MaHoSo"]
    found = api.get("/api/dvc/TraCuuHoSo", params={"MaHoSo": code}).json()["data"]
    assert (found["TrangThaiHoSo"], found["KenhThucHien"]) == (1, 2)
    assert found["TaiKhoanDuocXacThucVoiVNeID"] == 1

    received = make_dossier(code, KenhThucHien=2, MaTTHC="1.000010")
    created = api.post("/api/dvc/DongBoHoSoMC", json={"isUpdating": False, "data": [received]}).json()
    assert "đã tồn tại" in created["message"]
    updated = api.post("/api/dvc/DongBoHoSoMC", json={"isUpdating": True, "data": [received]}).json()
    assert updated["error_code"] == "00"
    history = api.get("/api/dvc/TraCuuHoSo", params={"MaHoSo": code}).json()["data"]["LichSuTrangThai"]
    assert [entry["TrangThaiHoSo"] for entry in history] == [1, 2]


def test_invalid_submission_is_refused(admin: httpx.Client, api: httpx.Client) -> None:
    """A submission without a valid receiving agency code is refused and gets no code."""
    answer = admin.post("/citizen/submissions", json=make_submission(agency="Cao Bằng")).json()
    assert answer["error_code"] == "01"
    assert "MaCoQuanTiepNhan" in answer["message"]
    assert api.get(FEED).json()["data"] == []


def test_cursor_paging_without_loss_or_duplicates(api: httpx.Client, admin: httpx.Client) -> None:
    """Paging with a small limit returns every submission once, in filing order; later ones follow on."""
    codes = [_submit(admin)["MaHoSo"] for _ in range(7)]
    seen, cursor = _drain(api, after=0, limit=3)
    assert [item["MaHoSo"] for item in seen] == codes
    cursors = [item["cursor"] for item in seen]
    assert cursors == sorted(set(cursors))
    assert cursor == cursors[-1]

    assert api.get(FEED, params={"after": cursor}).json()["data"] == []
    later = [_submit(admin)["MaHoSo"] for _ in range(2)]
    more, _ = _drain(api, after=cursor, limit=3)
    assert [item["MaHoSo"] for item in more] == later


def test_polling_while_citizens_submit_concurrently(api: httpx.Client, portal_process: PortalProcess) -> None:
    """A poller running alongside 60 concurrent submissions sees each exactly once."""
    filed: list[str] = []
    lock = threading.Lock()

    def file_one(_: int) -> None:
        with httpx.Client(base_url=portal_process.base_url, timeout=15.0) as citizen:
            code = citizen.post("/citizen/submissions", json=make_submission()).json()["MaHoSo"]
        with lock:
            filed.append(code)

    seen: list[str] = []
    cursor = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(file_one, n) for n in range(60)]
        while not all(future.done() for future in futures):
            page, cursor = _drain(api, after=cursor, limit=7)
            seen.extend(item["MaHoSo"] for item in page)
        for future in futures:
            future.result()
    page, cursor = _drain(api, after=cursor, limit=7)
    seen.extend(item["MaHoSo"] for item in page)
    assert len(seen) == len(set(seen)) == 60
    assert set(seen) == set(filed)


def test_feed_parameters_are_checked(api: httpx.Client) -> None:
    """limit outside 1..500 or a negative/non-numeric cursor is error 01."""
    for params in ({"limit": 0}, {"limit": 501}, {"after": -1}, {"after": "abc"}):
        assert api.get(FEED, params=params).json()["error_code"] == "01", params
