"""The mock portal's state lives in its SQLite file: a restarted process on the same file knows everything."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fixtures.portal import PortalProcess, fetch_token
from tests.integration.national_portal.builders import (
    make_dossier,
    make_payment,
    make_progress,
    make_submission,
)

CODE = "000.00.20.H14-250612-0007"


def test_state_survives_a_restart(scratch_db: Path) -> None:
    """Dossiers, history, submission codes and cursors, payments and counters persist; tokens stay valid."""
    portal = PortalProcess(db=scratch_db, settings={"pending_resolution_seconds": "0"})
    with portal, httpx.Client(base_url=portal.base_url, timeout=10.0) as client:
        token = fetch_token(client)
        auth = {"Authorization": f"Bearer {token}"}
        client.post(
            "/api/dvc/DongBoHoSoMC", headers=auth, json={"isUpdating": False, "data": [make_dossier(CODE)]}
        ).raise_for_status()
        client.post(
            "/api/dvc/CapNhatTienDoHoSoMC",
            headers=auth,
            json={"data": [make_progress(CODE, 4, "20250612090000")]},
        ).raise_for_status()
        first = client.post("/citizen/submissions", json=make_submission(ThoiDiemNop="20250612080000")).json()
        client.post("/api/paygov/INIT", headers=auth, json=make_payment("REF-1")).raise_for_status()
        client.post("/pay/REF-1", json={"callback": False}).raise_for_status()
        before = client.get("/admin/state").json()

    with portal, httpx.Client(base_url=portal.base_url, timeout=10.0) as client:
        auth = {"Authorization": f"Bearer {token}"}
        found = client.get("/api/dvc/TraCuuHoSo", headers=auth, params={"MaHoSo": CODE}).json()
        assert found["error_code"] == "00"
        assert [entry["TrangThaiHoSo"] for entry in found["data"]["LichSuTrangThai"]] == [2, 4]

        second = client.post(
            "/citizen/submissions", json=make_submission(ThoiDiemNop="20250612090000")
        ).json()
        assert (first["MaHoSo"], second["MaHoSo"]) == (
            "000.00.20.H14-250612-0001",
            "000.00.20.H14-250612-0002",
        )
        assert second["cursor"] > first["cursor"]
        feed = client.get("/api/dvc/HoSoTrucTuyen", headers=auth, params={"after": first["cursor"]}).json()
        assert [item["MaHoSo"] for item in feed["data"]] == [second["MaHoSo"]]

        query = client.post(
            "/api/paygov/QUERY", headers=auth, json={"MaDoiTac": "LIENTHONG", "MaThamChieu": "REF-1"}
        ).json()
        assert query["TrangThaiGD"] == 1

        after = client.get("/admin/state").json()
        assert after["dossiers"][0] == before["dossiers"][0]
        assert after["payments"] == before["payments"]
        assert after["counters"]["dossier_creates"] == before["counters"]["dossier_creates"] == 1
