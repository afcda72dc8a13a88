"""Fault injection on the mock portal, observed over real HTTP: 503 windows, 429s, rate limits, timeouts,
responses dropped after the write, and latency."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.integration.national_portal.builders import make_dossier

CODE = "000.00.20.H14-250612-0007"
LOOKUP = "/api/dvc/TraCuuHoSo"


def _faults(admin: httpx.Client, profile: dict[str, Any]) -> None:
    admin.put("/admin/faults", json=profile).raise_for_status()


def _fault_counts(admin: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = admin.get("/admin/state").json()["counters"]["faults"]
    return counts


def test_overload_window_answers_503_then_heals(api: httpx.Client, admin: httpx.Client) -> None:
    """Inside [0, 2.5 s) every API call is 503 with Retry-After; after the window calls succeed again."""
    _faults(admin, {"overload": {"windows": [{"start_s": 0, "end_s": 2.5}]}})
    refused = api.get(LOOKUP, params={"MaHoSo": CODE})
    assert refused.status_code == 503
    assert 1 <= int(refused.headers["retry-after"]) <= 3
    assert refused.json()["error_code"] == "503"
    assert admin.get("/healthz").status_code == 200  # outside the fault scope

    deadline = time.monotonic() + 15
    answer = refused
    while answer.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = api.get(LOOKUP, params={"MaHoSo": CODE})
    assert answer.status_code == 200
    assert _fault_counts(admin)["overload"] >= 1


def test_throttle_answers_429_with_retry_after(api: httpx.Client, admin: httpx.Client) -> None:
    """Throttling with probability 1 answers every API call 429 with the configured Retry-After."""
    _faults(admin, {"throttle": {"probability": 1.0, "retry_after_s": 7}})
    answer = api.get(LOOKUP, params={"MaHoSo": CODE})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "7"
    assert admin.post("/oauth/token", data={}).status_code == 400  # OAuth is outside the default scope
    assert _fault_counts(admin) == {"throttle": 1}


def test_rate_limit_per_client(api: httpx.Client, admin: httpx.Client) -> None:
    """A token bucket of burst 3 at 0.2/s lets three calls through, then 429 with Retry-After."""
    _faults(admin, {"rate_limit": {"rate_per_s": 0.2, "burst": 3}})
    statuses = [api.get(LOOKUP, params={"MaHoSo": CODE}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = api.get(LOOKUP, params={"MaHoSo": CODE})
    assert 1 <= int(limited.headers["retry-after"]) <= 5
    assert _fault_counts(admin)["rate_limit"] == 3


def test_drop_after_write_applies_the_write(api: httpx.Client, admin: httpx.Client) -> None:
    """The client sees a transport error, yet the dossier was stored; the retry then meets 'đã tồn tại'."""
    _faults(admin, {"drop_after_write": {"probability": 1.0}})
    with pytest.raises(httpx.TransportError):
        api.post("/api/dvc/DongBoHoSoMC", json={"isUpdating": False, "data": [make_dossier(CODE)]})
    state = admin.get("/admin/state").json()
    assert [dossier["MaHoSo"] for dossier in state["dossiers"]] == [CODE]
    assert state["counters"]["faults"]["drop_after_write"] == 1
    assert api.get(LOOKUP, params={"MaHoSo": CODE}).status_code == 200  # reads are not dropped

    _faults(admin, {})
    retry = api.post("/api/dvc/DongBoHoSoMC", json={"isUpdating": False, "data": [make_dossier(CODE)]})
    assert "Hồ sơ đã tồn tại" in retry.json()["message"]


def test_timeout_answers_504_or_closes(api: httpx.Client, admin: httpx.Client) -> None:
    """A timeout fault holds the call then answers 504, or closes the connection in 'close' mode."""
    _faults(admin, {"timeout": {"probability": 1.0, "hold_s": 0.3, "mode": "504"}})
    started = time.monotonic()
    answer = api.get(LOOKUP, params={"MaHoSo": CODE})
    assert answer.status_code == 504
    assert time.monotonic() - started >= 0.3

    _faults(admin, {"timeout": {"probability": 1.0, "hold_s": 0.2, "mode": "close"}})
    with pytest.raises(httpx.TransportError):
        api.get(LOOKUP, params={"MaHoSo": CODE})

    _faults(admin, {"timeout": {"probability": 1.0, "hold_s": 5, "mode": "504"}})
    with pytest.raises(httpx.ReadTimeout):
        api.get(LOOKUP, params={"MaHoSo": CODE}, timeout=0.5)
    assert _fault_counts(admin)["timeout"] == 3


def test_latency_is_applied(api: httpx.Client, admin: httpx.Client) -> None:
    """A fixed 300 ms latency delays every API answer by at least that much."""
    _faults(admin, {"latency": {"kind": "fixed", "ms": 300}})
    for _ in range(3):
        started = time.monotonic()
        assert api.get(LOOKUP, params={"MaHoSo": CODE}).status_code == 200
        assert time.monotonic() - started >= 0.3
    assert _fault_counts(admin)["latency"] == 3


def test_rules_narrowed_to_paths(api: httpx.Client, admin: httpx.Client) -> None:
    """A rule with 'paths' hits only those endpoints."""
    _faults(admin, {"throttle": {"probability": 1.0, "paths": ["/api/dvc/DongBoHoSoMC"]}})
    assert api.get(LOOKUP, params={"MaHoSo": CODE}).status_code == 200
    sync = api.post("/api/dvc/DongBoHoSoMC", json={"isUpdating": False, "data": [make_dossier(CODE)]})
    assert sync.status_code == 429


def test_fault_profile_round_trip_and_validation(admin: httpx.Client) -> None:
    """GET shows the profile set by PUT; an invalid profile is refused with 422 and changes nothing."""
    _faults(admin, {"latency": {"kind": "uniform", "min_ms": 1, "max_ms": 5}, "seed": 7})
    shown = admin.get("/admin/faults").json()
    assert shown["profile"]["latency"] == {"kind": "uniform", "min_ms": 1.0, "max_ms": 5.0}
    assert shown["profile"]["seed"] == 7
    refused = admin.put("/admin/faults", json={"throttle": {"probability": 2}})
    assert refused.status_code == 422
    assert admin.get("/admin/faults").json()["profile"]["latency"]["kind"] == "uniform"
    admin.post("/admin/reset").raise_for_status()
    assert admin.get("/admin/faults").json()["profile"]["latency"] is None
