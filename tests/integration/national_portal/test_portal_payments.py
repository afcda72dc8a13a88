"""The mock payment platform: INIT, the citizen's payment, signed callbacks, QUERY and GET_BILL."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from connectors.national_portal.signature import CALLBACK_FIELDS, sign, verify
from tests.fixtures.portal import PAYMENT_SECRET, CallbackReceiver
from tests.integration.national_portal.builders import PENDING_SECONDS, make_payment


def _reference() -> str:
    return f"000.00.20.H14-250612-0007-{uuid.uuid4().hex[:10]}"


def _init(api: httpx.Client, reference: str, **overrides: Any) -> dict[str, Any]:
    answer = api.post("/api/paygov/INIT", json=make_payment(reference, **overrides))
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _pay(admin: httpx.Client, url: str, **action: Any) -> dict[str, Any]:
    answer = admin.post(url, json=action)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _query(api: httpx.Client, reference: str) -> dict[str, Any]:
    body: dict[str, Any] = api.post(
        "/api/paygov/QUERY", json={"MaDoiTac": "LIENTHONG", "MaThamChieu": reference}
    ).json()
    return body


def _deliveries(admin: httpx.Client, reference: str) -> list[dict[str, Any]]:
    payments = admin.get("/admin/state").json()["payments"]
    payment = next(p for p in payments if p["MaThamChieu"] == reference)
    deliveries: list[dict[str, Any]] = payment["deliveries"]
    return deliveries


def _settled(admin: httpx.Client, reference: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The deliveries once none is still scheduled (an attempt is recorded after the partner answered)."""
    deadline = time.monotonic() + timeout
    deliveries = _deliveries(admin, reference)
    while any(d["state"] == "scheduled" for d in deliveries) and time.monotonic() < deadline:
        time.sleep(0.05)
        deliveries = _deliveries(admin, reference)
    return deliveries


def test_paid_transaction_sends_a_signed_callback(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """INIT → pay → one callback whose MaXacThuc verifies; QUERY says 1; GET_BILL has the receipt."""
    reference = _reference()
    init = _init(api, reference)
    assert init["MaLoi"] == "00"
    url = init["DuongDanThanhToan"]
    assert url.endswith(f"/pay/{reference}")
    assert _query(api, reference)["TrangThaiGD"] == 3  # initiated, not paid yet

    paid = _pay(admin, url, bank_code="BIDV")
    (callback,) = callback_receiver.wait_for(reference, 1)
    body = callback.body
    assert verify(body, PAYMENT_SECRET)
    assert body["MaXacThuc"] == sign({name: body[name] for name in CALLBACK_FIELDS}, PAYMENT_SECRET)
    assert body["MaLoi"] == "00"
    assert body["SoTien"] == 56000
    assert body["MaGiaoDich"] == paid["MaGiaoDich"]
    assert body["MaNganHang"] == "BIDV"
    assert len(body["ThoiGianGD"]) == 14
    assert body["ThoiGianGD"].isdigit()
    assert callback.headers["Content-Type"].startswith("application/json")
    assert not verify({**body, "SoTien": 5600}, PAYMENT_SECRET)

    query = _query(api, reference)
    assert (query["MaLoi"], query["TrangThaiGD"], query["MaGiaoDich"]) == ("00", 1, paid["MaGiaoDich"])
    bill = api.post("/api/paygov/GET_BILL", json={"MaDoiTac": "LIENTHONG", "MaThamChieu": reference}).json()
    receipt = bill["BienLai"]
    assert bill["MaLoi"] == "00"
    assert (receipt["TongPhi"], receipt["TongLePhi"], receipt["SoTien"]) == (50000, 6000, 56000)
    assert receipt["MaHoSo"] == "000.00.20.H14-250612-0007"
    assert receipt["MaCoQuan"] == "000.00.20.H14"

    (delivery,) = _settled(admin, reference)
    assert delivery["state"] == "delivered"
    assert [attempt["status"] for attempt in delivery["attempts"]] == [200]


def test_duplicate_probability_one_delivers_twice(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """With duplicate_callback_probability 1.0 the same signed message is delivered twice."""
    admin.put("/admin/faults", json={"payment": {"duplicate_callback_probability": 1.0}}).raise_for_status()
    reference = _reference()
    paid = _pay(admin, _init(api, reference)["DuongDanThanhToan"])
    assert paid["SoBanTinXacNhan"] == 2
    first, second = callback_receiver.wait_for(reference, 2)
    assert first.body == second.body
    assert verify(first.body, PAYMENT_SECRET)
    deliveries = _settled(admin, reference)
    assert [(d["copy"], d["state"]) for d in deliveries] == [(1, "delivered"), (2, "delivered")]


def test_pending_transaction_resolves_after_the_delay(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """A pending payment answers TrangThaiGD 3 until the platform knows, then 1; the callback comes then."""
    reference = _reference()
    paid = _pay(admin, _init(api, reference)["DuongDanThanhToan"], outcome="pending")
    assert paid["TrangThaiGD"] == 3
    pending = _query(api, reference)
    assert pending["TrangThaiGD"] == 3
    assert pending["MaGiaoDich"] is None
    assert callback_receiver.for_reference(reference) == []

    deadline = time.monotonic() + PENDING_SECONDS + 10
    while _query(api, reference)["TrangThaiGD"] == 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _query(api, reference)["TrangThaiGD"] == 1
    (callback,) = callback_receiver.wait_for(reference, 1)
    assert callback.body["MaLoi"] == "00"


def test_failed_payment(api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver) -> None:
    """A failed payment answers TrangThaiGD 4, a signed callback with MaLoi 01, and no receipt."""
    reference = _reference()
    _pay(admin, _init(api, reference)["DuongDanThanhToan"], outcome="fail")
    assert _query(api, reference)["TrangThaiGD"] == 4
    (callback,) = callback_receiver.wait_for(reference, 1)
    assert callback.body["MaLoi"] == "01"
    assert verify(callback.body, PAYMENT_SECRET)
    bill = api.post("/api/paygov/GET_BILL", json={"MaDoiTac": "LIENTHONG", "MaThamChieu": reference}).json()
    assert bill["MaLoi"] == "06"


def test_pending_that_fails(api: httpx.Client, admin: httpx.Client) -> None:
    """A pending payment may resolve to failure: 3, then 4."""
    reference = _reference()
    _pay(admin, _init(api, reference)["DuongDanThanhToan"], outcome="pending", resolves_to="fail")
    assert _query(api, reference)["TrangThaiGD"] == 3
    deadline = time.monotonic() + PENDING_SECONDS + 10
    while _query(api, reference)["TrangThaiGD"] == 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _query(api, reference)["TrangThaiGD"] == 4


def test_failed_deliveries_are_retried_and_recorded(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """The platform retries a callback the partner answered 500, and records every attempt."""
    reference = _reference()
    callback_receiver.planned[reference] = [500, 503]
    _pay(admin, _init(api, reference)["DuongDanThanhToan"])
    received = callback_receiver.wait_for(reference, 3)
    assert [item.status for item in received] == [500, 503, 200]
    (delivery,) = _settled(admin, reference)
    assert delivery["state"] == "delivered"
    assert [attempt["status"] for attempt in delivery["attempts"]] == [500, 503, 200]
    assert admin.get("/admin/state").json()["counters"]["callback_attempts"] == 3


def test_deliveries_stop_after_the_attempt_limit(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """Retries are bounded (3 attempts in this portal's settings), then the delivery is failed."""
    reference = _reference()
    callback_receiver.planned[reference] = [500] * 10
    _pay(admin, _init(api, reference)["DuongDanThanhToan"])
    callback_receiver.wait_for(reference, 3)
    (delivery,) = _settled(admin, reference)
    assert delivery["state"] == "failed"
    assert len(delivery["attempts"]) == 3
    time.sleep(1.0)
    assert len(callback_receiver.for_reference(reference)) == 3


def test_lost_callback_leaves_query_as_the_only_way(
    api: httpx.Client, admin: httpx.Client, callback_receiver: CallbackReceiver
) -> None:
    """With callback false the platform never confirms; QUERY still says paid."""
    reference = _reference()
    paid = _pay(admin, _init(api, reference)["DuongDanThanhToan"], callback=False)
    assert paid["SoBanTinXacNhan"] == 0
    assert _query(api, reference)["TrangThaiGD"] == 1
    assert _deliveries(admin, reference) == []
    assert callback_receiver.for_reference(reference) == []


def test_init_and_lookup_errors(api: httpx.Client, admin: httpx.Client) -> None:
    """Duplicate reference 05, unknown partner 03, lines not adding up 02, unknown transaction 04."""
    reference = _reference()
    assert _init(api, reference)["MaLoi"] == "00"
    assert _init(api, reference)["MaLoi"] == "05"
    assert _init(api, _reference(), partner="OTHER")["MaLoi"] == "03"
    assert _init(api, _reference(), SoTien=60000)["MaLoi"] == "02"
    assert _init(api, _reference(), SoTien=0, DanhSachPhiLePhi=None)["MaLoi"] == "02"
    assert _query(api, "no-such-reference")["MaLoi"] == "04"
    assert admin.post("/pay/no-such-reference", json={}).status_code == 404
    url = _init(api, (second := _reference()))["DuongDanThanhToan"]
    _pay(admin, url)
    assert admin.post(url, json={}).json()["MaLoi"] == "02"
    assert admin.get(f"/pay/{second}").json()["TrangThaiGD"] == 1
    assert api.post("/api/paygov/QUERY", headers={"Authorization": ""}, json={}).status_code == 401
