"""The payment connector end to end: the mock platform's INIT, payment and signed callbacks, the connector's
QUERY job, and the events on Kafka — real processes, real HTTP, a real broker."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from connectors.national_portal.signature import sign
from connectors.payment.translation import Outcome, PublicationKey
from contracts import PaymentFailed, PaymentInitiated, PaymentPending, PaymentSucceeded
from tests.fixtures.portal import PAYMENT_SECRET
from tests.integration.payment_connector.conftest import PENDING_SECONDS, StartConnector
from tests.integration.payment_connector.connector_process import (
    ConnectorProcess,
    metric,
    read_payment_events,
)

pytestmark = pytest.mark.kafka

DOSSIER = "000.00.20.H14-250612-0007"
CALLBACKS = "lienthong_payment_callbacks_total"


def _reference() -> str:
    return f"{DOSSIER}-{uuid.uuid4().hex[:12]}"


def _init_body(reference: str) -> dict[str, Any]:
    return {
        "MaDoiTac": "LIENTHONG",
        "MaThamChieu": reference,
        "SoTien": 56000,
        "MaHoSo": DOSSIER,
        "MaTTHC": "2.000815",
        "MaCoQuan": "000.00.20.H14",
        "NoiDungThanhToan": f"Nộp phí, lệ phí hồ sơ {DOSSIER}",
        "DanhSachPhiLePhi": [
            {"MaPhiLePhi": "P01", "TenPhiLePhi": "Phí thẩm định", "LoaiPhiLePhi": 1, "SoTien": 50000},
            {"MaPhiLePhi": "LP01", "TenPhiLePhi": "Lệ phí chứng thực", "LoaiPhiLePhi": 2, "SoTien": 6000},
        ],
    }


async def _initiate(portal_api: httpx.AsyncClient, connector: ConnectorProcess, reference: str) -> str:
    """The provincial system's part: INIT at the platform, then tell the connector; returns the pay URL."""
    body = _init_body(reference)
    init = (await portal_api.post("/api/paygov/INIT", json=body)).json()
    assert init["MaLoi"] == "00", init
    async with httpx.AsyncClient(base_url=connector.base_url, timeout=15.0) as client:
        registered = await client.post("/paygov/transactions", json=body)
    assert registered.status_code == 201, registered.text
    assert registered.json()["MaLoi"] == "00"
    return str(init["DuongDanThanhToan"])


async def _pay(portal_admin: httpx.AsyncClient, url: str, **action: Any) -> dict[str, Any]:
    answer = await portal_admin.post(url, json=action)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _deliveries_settled(
    portal_admin: httpx.AsyncClient, reference: str, count: int, wait: float = 20.0
) -> None:
    """Wait until the platform recorded ``count`` delivered callbacks for ``reference``."""
    async with asyncio.timeout(wait):
        while True:
            payments = (await portal_admin.get("/admin/state")).json()["payments"]
            payment = next(p for p in payments if p["MaThamChieu"] == reference)
            if sum(d["state"] == "delivered" for d in payment["deliveries"]) >= count:
                return
            await asyncio.sleep(0.1)


async def _post_callback(connector: ConnectorProcess, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=connector.base_url, timeout=15.0) as client:
        return await client.post("/paygov/callback", **kwargs)


async def test_paid_transaction_publishes_one_succeeded_event(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    portal_admin: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """INIT → register → pay → the platform's signed callback → PaymentInitiated then one PaymentSucceeded."""
    connector = start_connector()
    reference = _reference()
    paid = await _pay(portal_admin, await _initiate(portal_api, connector, reference), bank_code="BIDV")
    await _deliveries_settled(portal_admin, reference, 1)

    initiated, succeeded = await read_payment_events(kafka_bootstrap, topic_prefix, expected=2)
    assert isinstance(initiated.data, PaymentInitiated)
    assert isinstance(succeeded.data, PaymentSucceeded)
    assert succeeded.subject == DOSSIER
    assert succeeded.data.reference == reference
    assert succeeded.data.amount == 56000
    assert succeeded.data.transaction_id == paid["MaGiaoDich"]
    assert succeeded.data.bank_code == "BIDV"
    assert [(line.kind, line.name, line.code, line.amount) for line in succeeded.data.lines] == [
        ("fee", "Phí thẩm định", "P01", 50000),
        ("charge", "Lệ phí chứng thực", "LP01", 6000),
    ]
    assert succeeded.data.procedure_code == "2.000815"
    assert succeeded.data.receiving_agency_code == "000.00.20.H14"
    assert succeeded.id == PublicationKey.of(reference, paid["MaGiaoDich"], Outcome.SUCCEEDED).event_id
    assert await metric(connector.base_url, CALLBACKS, result="accepted") == 1


async def test_forged_callback_is_refused_counted_and_publishes_nothing(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """Callbacks signed with another secret, or tampered after signing, answer 403 / MaLoi 97 and publish
    nothing; the refusals are counted."""
    connector = start_connector()
    reference = _reference()
    await _initiate(portal_api, connector, reference)
    message: dict[str, Any] = {
        "MaDoiTac": "LIENTHONG",
        "MaThamChieu": reference,
        "MaGiaoDich": "GD20250612083000000001",
        "MaHoSo": DOSSIER,
        "SoTien": 56000,
        "MaNganHang": "VCB",
        "ThoiGianGD": "20250612083000",
        "MaLoi": "00",
        "MoTaLoi": "Thành công",
    }
    forged = message | {"MaXacThuc": sign(message, "not-the-partner-secret")}
    tampered = message | {"MaXacThuc": sign(message, PAYMENT_SECRET), "SoTien": 5600}
    for body in (forged, tampered):
        answer = await _post_callback(connector, json=body)
        assert answer.status_code == 403
        assert answer.json()["MaLoi"] == "97"
    malformed = await _post_callback(connector, content=b"MaLoi=00")
    assert (malformed.status_code, malformed.json()["MaLoi"]) == (400, "02")

    assert await metric(connector.base_url, CALLBACKS, result="rejected_signature") == 2
    assert await metric(connector.base_url, CALLBACKS, result="rejected_malformed") == 1
    assert await metric(connector.base_url, CALLBACKS, result="accepted") == 0
    (only,) = await read_payment_events(kafka_bootstrap, topic_prefix, expected=1)
    assert isinstance(only.data, PaymentInitiated)


async def test_duplicate_callbacks_yield_exactly_one_payment_event(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    portal_admin: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """With the platform duplicating every confirmation, both copies are answered 00 and one event results."""
    await portal_admin.put("/admin/faults", json={"payment": {"duplicate_callback_probability": 1.0}})
    connector = start_connector()
    reference = _reference()
    paid = await _pay(portal_admin, await _initiate(portal_api, connector, reference))
    assert paid["SoBanTinXacNhan"] == 2
    await _deliveries_settled(portal_admin, reference, 2)

    events = await read_payment_events(kafka_bootstrap, topic_prefix, expected=2)
    assert [type(event.data) for event in events] == [PaymentInitiated, PaymentSucceeded]
    assert await metric(connector.base_url, CALLBACKS, result="accepted") == 1
    assert await metric(connector.base_url, CALLBACKS, result="duplicate") == 1


async def test_pending_payment_is_resolved_by_the_query_job(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    portal_admin: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """No callback comes; QUERY answers 3 (→ one PaymentPending) until the platform resolves, then 1."""
    connector = start_connector(query_after="0.3")
    reference = _reference()
    paid = await _pay(
        portal_admin, await _initiate(portal_api, connector, reference), outcome="pending", callback=False
    )
    assert paid["TrangThaiGD"] == 3

    events = await read_payment_events(kafka_bootstrap, topic_prefix, expected=3, wait=PENDING_SECONDS + 20)
    assert [type(event.data) for event in events] == [PaymentInitiated, PaymentPending, PaymentSucceeded]
    succeeded = events[2].data
    assert isinstance(succeeded, PaymentSucceeded)
    assert succeeded.transaction_id == paid["MaGiaoDich"]
    assert succeeded.amount == 56000
    assert await metric(connector.base_url, "lienthong_payment_queries_total", result="succeeded") == 1
    assert await metric(connector.base_url, "lienthong_payment_queries_total", result="pending") >= 1


@pytest.mark.parametrize("callback", [True, False], ids=["by-callback", "by-query"])
async def test_failed_payment_publishes_payment_failed(
    callback: bool,
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    portal_admin: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """A failed payment yields one PaymentFailed: from the callback (MaLoi 01) or QUERY (TrangThaiGD 4)."""
    connector = start_connector(query_after="0.5" if not callback else "3600")
    reference = _reference()
    paid = await _pay(
        portal_admin, await _initiate(portal_api, connector, reference), outcome="fail", callback=callback
    )

    events = await read_payment_events(kafka_bootstrap, topic_prefix, expected=2)
    assert [type(event.data) for event in events] == [PaymentInitiated, PaymentFailed]
    failed = events[1].data
    assert isinstance(failed, PaymentFailed)
    assert failed.transaction_id == paid["MaGiaoDich"]
    assert failed.error_code == ("01" if callback else None)
    assert failed.reason != "expired"


async def test_unresolved_transaction_is_given_up_as_expired(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """Never paid: one PaymentPending, then PaymentFailed(reason expired) after give_up_after."""
    connector = start_connector(query_after="0.3", give_up_after="2")
    reference = _reference()
    await _initiate(portal_api, connector, reference)

    events = await read_payment_events(kafka_bootstrap, topic_prefix, expected=3, wait=20)
    assert [type(event.data) for event in events] == [PaymentInitiated, PaymentPending, PaymentFailed]
    failed = events[2].data
    assert isinstance(failed, PaymentFailed)
    assert failed.reason == "expired"
    assert failed.transaction_id == reference  # the platform never assigned one
    assert await metric(connector.base_url, "lienthong_payment_queries_total", result="expired") == 1


async def test_late_callback_after_the_query_job_published_adds_nothing(
    *,
    start_connector: StartConnector,
    portal_api: httpx.AsyncClient,
    portal_admin: httpx.AsyncClient,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    """The job learns of the success by QUERY first; the confirmation arriving later is answered 00 and is
    recognised as already published."""
    await portal_admin.put("/admin/faults", json={"payment": {"callback_delay_s": 3}})
    connector = start_connector(query_after="0.2")
    reference = _reference()
    await _pay(portal_admin, await _initiate(portal_api, connector, reference))

    events = await read_payment_events(kafka_bootstrap, topic_prefix, expected=2)
    assert [type(event.data) for event in events] == [PaymentInitiated, PaymentSucceeded]
    await _deliveries_settled(portal_admin, reference, 1)
    assert await metric(connector.base_url, CALLBACKS, result="duplicate") == 1
    assert await metric(connector.base_url, CALLBACKS, result="accepted") == 0
    again = await read_payment_events(kafka_bootstrap, topic_prefix, expected=2, settle=0.5)
    assert len(again) == 2
