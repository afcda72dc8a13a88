"""The connector's HTTP surface in-process (httpx over ASGI, an in-memory sink): answers, codes, counters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from connectors.payment import PaymentSettings, create_app
from tests.unit.payment_connector.doubles import (
    DOSSIER,
    FORGER_SECRET,
    SECRET,
    MemorySink,
    callback,
    registration,
)


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
async def client(tmp_path: Path, sink: MemorySink) -> AsyncIterator[httpx.AsyncClient]:
    settings = PaymentSettings(partner_secret=SecretStr(SECRET), database=tmp_path / "payment.sqlite3")
    app = create_app(settings, sink=sink, run_query_job=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://connector.test") as client,
    ):
        yield client


def _metrics(text: str) -> dict[str, int]:
    return {
        sample: int(value)
        for sample, _, value in (
            line.rpartition(" ") for line in text.splitlines() if not line.startswith("#")
        )
    }


async def test_registration_then_callback(client: httpx.AsyncClient, sink: MemorySink) -> None:
    """201 for a new registration, 200 for a repeat; the callback answers 200 / MaLoi 00, a copy too."""
    created = await client.post("/paygov/transactions", json=registration())
    assert (created.status_code, created.json()["MaLoi"], created.json()["TrangThai"]) == (
        201,
        "00",
        "created",
    )
    again = await client.post("/paygov/transactions", json=registration())
    assert (again.status_code, again.json()["TrangThai"]) == (200, "already_registered")
    for _ in range(2):
        answer = await client.post("/paygov/callback", json=callback())
        assert (answer.status_code, answer.json()) == (200, {"MaLoi": "00", "MoTaLoi": "Thành công"})
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]
    counted = _metrics((await client.get("/metrics")).text)
    assert counted['lienthong_payment_callbacks_total{result="accepted"}'] == 1
    assert counted['lienthong_payment_callbacks_total{result="duplicate"}'] == 1
    assert counted['lienthong_payment_events_published_total{outcome="succeeded"}'] == 1
    assert counted['lienthong_payment_watched_transactions{state="succeeded"}'] == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "result"),
    [
        (callback(secret=FORGER_SECRET), 403, "97", "rejected_signature"),
        ({k: v for k, v in callback().items() if k != "MaXacThuc"}, 403, "97", "rejected_signature"),
        (callback(MaDoiTac="KHAC"), 403, "03", "rejected_partner"),
        (callback(f"{DOSSIER}-unknown"), 404, "04", "rejected_unknown_reference"),
        (callback(SoTien=1000), 422, "02", "rejected_mismatch"),
        (callback(MaHoSo="not-a-dossier-code"), 400, "02", "rejected_malformed"),
        ([1, 2, 3], 400, "02", "rejected_malformed"),
    ],
    ids=["forged", "unsigned", "partner", "unknown", "mismatch", "malformed-value", "not-an-object"],
)
async def test_refused_callbacks_are_answered_and_counted(
    body: object, status: int, code: str, result: str, *, client: httpx.AsyncClient, sink: MemorySink
) -> None:
    await client.post("/paygov/transactions", json=registration())
    answer = await client.post("/paygov/callback", json=body)
    assert (answer.status_code, answer.json()["MaLoi"]) == (status, code)
    assert sink.types == ["PaymentInitiated"]
    counted = _metrics((await client.get("/metrics")).text)
    assert counted[f'lienthong_payment_callbacks_total{{result="{result}"}}'] == 1
    assert counted['lienthong_payment_callbacks_total{result="accepted"}'] == 0


async def test_callback_not_acknowledged_by_kafka_asks_for_a_retry(
    client: httpx.AsyncClient, sink: MemorySink
) -> None:
    await client.post("/paygov/transactions", json=registration())
    sink.fail_next = 1
    answer = await client.post("/paygov/callback", json=callback())
    assert (answer.status_code, answer.json()["MaLoi"], answer.headers["Retry-After"]) == (503, "99", "5")
    retried = await client.post("/paygov/callback", json=callback())
    assert retried.status_code == 200
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (registration(SoTien=1.5), 422, "02"),
        (registration(MaHoSo="HS-1"), 422, "02"),
        (registration(SoTien=90000), 422, "02"),
        (registration(MaDoiTac="KHAC"), 422, "02"),
        (registration(MaThamChieu=None), 422, "02"),
        ("not json", 400, "02"),
    ],
    ids=["float-amount", "dossier-code", "lines-do-not-add-up", "partner", "no-reference", "not-json"],
)
async def test_invalid_registrations_are_refused(
    body: object, status: int, code: str, client: httpx.AsyncClient, sink: MemorySink
) -> None:
    answer = await client.post("/paygov/transactions", json=body)
    assert (answer.status_code, answer.json()["MaLoi"]) == (status, code)
    assert sink.envelopes == []


async def test_conflicting_registration_is_refused(client: httpx.AsyncClient) -> None:
    await client.post("/paygov/transactions", json=registration())
    answer = await client.post("/paygov/transactions", json=registration(MaTTHC="1.000010"))
    assert (answer.status_code, answer.json()["MaLoi"]) == (409, "05")


async def test_metrics_are_prometheus_text_without_personal_data(client: httpx.AsyncClient) -> None:
    await client.post("/paygov/transactions", json=registration())
    answer = await client.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE lienthong_payment_callbacks_total counter" in answer.text
    assert DOSSIER not in answer.text
    assert (await client.get("/healthz")).json() == {"status": "ok"}
