"""The dossier sync API of the mock portal: DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.national_portal.builders import make_dossier, make_progress

CODE = "000.00.20.H14-250612-0007"
SYNC = "/api/dvc/DongBoHoSoMC"
PROGRESS = "/api/dvc/CapNhatTienDoHoSoMC"


def _sync(api: httpx.Client, *dossiers: dict[str, Any], updating: bool) -> dict[str, Any]:
    answer = api.post(SYNC, json={"service": "DongBoHoSoMC", "isUpdating": updating, "data": list(dossiers)})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _look_up(api: httpx.Client, code: str) -> dict[str, Any]:
    answer = api.get("/api/dvc/TraCuuHoSo", params={"MaHoSo": code})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_create_then_already_exists_then_update(api: httpx.Client, admin: httpx.Client) -> None:
    """A second create answers 'Hồ sơ đã tồn tại' (not 00); the same record as an update succeeds."""
    assert _sync(api, make_dossier(CODE), updating=False)["error_code"] == "00"

    again = _sync(api, make_dossier(CODE), updating=False)
    assert again["error_code"] != "00"
    assert "Hồ sơ đã tồn tại" in again["message"]
    assert again["data"][0]["MaHoSo"] == CODE

    updated = _sync(api, make_dossier(CODE, TrangThaiHoSo=4, ChuHoSo="Nông Văn Á"), updating=True)
    assert updated["error_code"] == "00"
    found = _look_up(api, CODE)["data"]
    assert found["TrangThaiHoSo"] == 4
    assert found["ChuHoSo"] == "Nông Văn Á"
    assert found["TaiLieuNop"][0]["DuocTaiSuDung"] == 1

    counters = admin.get("/admin/state").json()["counters"]
    assert (counters["dossier_creates"], counters["already_exists"], counters["dossier_updates"]) == (1, 1, 1)


def test_update_of_missing_dossier_is_not_found(api: httpx.Client) -> None:
    """isUpdating true for a dossier the portal does not have answers 'không tồn tại'."""
    answer = _sync(api, make_dossier(CODE), updating=True)
    assert answer["error_code"] != "00"
    assert "Hồ sơ không tồn tại" in answer["message"]


def test_is_updating_accepted_as_query_parameter(api: httpx.Client) -> None:
    """Clients that send isUpdating in the query string (and a bare list body) are understood."""
    created = api.post(SYNC, params={"isUpdating": "False"}, json=[make_dossier(CODE)])
    assert created.json()["error_code"] == "00"
    updated = api.post(SYNC, params={"isUpdating": "True"}, json=[make_dossier(CODE, TrangThaiHoSo=4)])
    assert updated.json()["error_code"] == "00"


def test_batch_answers_per_item(api: httpx.Client) -> None:
    """A batch applies its valid items and reports each; the top code is the first failure's."""
    other = "000.00.20.H14-250612-0008"
    answer = _sync(api, make_dossier(CODE), make_dossier(other, TrangThaiHoSo=11), updating=False)
    assert answer["error_code"] == "02"
    assert [item["error_code"] for item in answer["data"]] == ["00", "02"]
    assert _look_up(api, CODE)["error_code"] == "00"
    assert _look_up(api, other)["error_code"] == "04"


def test_invalid_inputs_are_rejected_with_codes(api: httpx.Client, admin: httpx.Client) -> None:
    """Status outside 1..10, bad dates, missing required fields and bad codes are refused, never stored."""
    cases = [
        (make_dossier(CODE, TrangThaiHoSo=0), "02", "Trạng thái"),
        (make_dossier(CODE, TrangThaiHoSo="11"), "02", "Trạng thái"),
        (make_dossier(CODE, NgayTiepNhan="2025-06-12 08:00"), "01", "NgayTiepNhan"),
        (make_dossier(CODE, NgayHenTra="20251332170000"), "01", "NgayHenTra"),
        (make_dossier(CODE, MaTTHC=None), "01", "MaTTHC"),
        (make_dossier(CODE, MaTTHC="2000815"), "01", "MaTTHC"),
        (make_dossier("H14-0007"), "01", "MaHoSo"),
        (make_dossier(CODE, NgayTiepNhan=None), "01", "NgayTiepNhan"),
        (make_dossier(CODE, LoaiDoiTuong=5), "01", "LoaiDoiTuong"),
        (make_dossier(CODE, TrangThaiHoSo="abc"), "01", "TrangThaiHoSo"),
    ]
    for dossier, code, mentioned in cases:
        answer = _sync(api, dossier, updating=False)
        assert answer["error_code"] == code, dossier
        assert mentioned in answer["message"], answer["message"]
    assert _look_up(api, CODE)["error_code"] == "04"
    assert admin.get("/admin/state").json()["counters"]["invalid_requests"] == len(cases)


def test_unreadable_and_empty_bodies(api: httpx.Client) -> None:
    """A body that is not JSON is HTTP 400; an empty data list is error 01."""
    broken = api.post(SYNC, content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error_code"] == "01"
    assert _sync(api, updating=False)["error_code"] == "01"


def test_progress_rows_keep_status_history(api: httpx.Client, admin: httpx.Client) -> None:
    """Progress rows move the current status and every status is kept in the history, in arrival order."""
    _sync(api, make_dossier(CODE), updating=False)
    rows = [
        make_progress(CODE, 4, "20250612090000"),
        make_progress(CODE, 5, "20250612100000"),
        make_progress(CODE, 4, "20250612150000"),
    ]
    assert api.post(PROGRESS, json={"data": rows}).json()["error_code"] == "00"
    done = make_progress(CODE, 9, "20250613160000", TrangThai=None, TrangThaiHoSo="9")
    assert (
        api.post(PROGRESS, json={"service": "CapNhatTienDoHoSoMC", "data": [done]}).json()["error_code"]
        == "00"
    )

    found = _look_up(api, CODE)["data"]
    assert found["TrangThaiHoSo"] == 9
    history = found["LichSuTrangThai"]
    assert [entry["TrangThaiHoSo"] for entry in history] == [2, 4, 5, 4, 9]
    assert [entry["NguonCapNhat"] for entry in history] == ["DongBoHoSoMC"] + ["CapNhatTienDoHoSoMC"] * 4
    assert history[1]["ThoiDiem"] == "20250612090000"

    state = admin.get("/admin/state").json()
    assert [row["TrangThaiHoSo"] for row in state["progress"]] == [4, 5, 4, 9]
    assert state["progress"][0]["NguoiXuLy"] == "Hoàng Thị B"
    assert state["dossiers"][0]["history"] == history
    assert state["counters"]["progress_rows"] == 4


def test_progress_validation_and_unknown_dossier(api: httpx.Client) -> None:
    """Progress for an unknown dossier is 04; a bad status is 02; a bad time is 01."""
    unknown = api.post(PROGRESS, json={"data": [make_progress(CODE, 4, "20250612090000")]}).json()
    assert unknown["error_code"] == "04"
    _sync(api, make_dossier(CODE), updating=False)
    assert (
        api.post(PROGRESS, json={"data": [make_progress(CODE, 12, "20250612090000")]}).json()["error_code"]
        == "02"
    )
    assert (
        api.post(PROGRESS, json={"data": [make_progress(CODE, 4, "12/06/2025")]}).json()["error_code"] == "01"
    )
    assert _look_up(api, CODE)["data"]["TrangThaiHoSo"] == 2


def test_lookup_by_get_and_post(api: httpx.Client) -> None:
    """TraCuuHoSo answers the dossier by query string or JSON body, and 04 when unknown."""
    assert _look_up(api, CODE)["error_code"] == "04"
    _sync(api, make_dossier(CODE), updating=False)
    by_post = api.post("/api/dvc/TraCuuHoSo", json={"MaHoSo": CODE}).json()
    assert by_post["error_code"] == "00"
    assert by_post["data"]["MaHoSo"] == CODE
    assert by_post["data"]["DanhSachLePhi"][0]["Gia"] == 6000
    assert api.get("/api/dvc/TraCuuHoSo").json()["error_code"] == "01"
