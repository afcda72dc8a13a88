"""A simulated run through the whole way in, as real processes on a real broker: the mock portal, the
province ingest (``lienthong connector province serve``) and the payment connector
(``lienthong connector payment``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import httpx
import pytest

from connectors.simulator import DeliveryKind, Simulation, Targets, drive, profile, simulate
from contracts import PAYMENT_TOPIC, PaymentFailed, PaymentInitiated, PaymentSucceeded, decode
from tests.fixtures.portal import CLIENT_ID, CLIENT_SECRET, PAYMENT_SECRET, PortalProcess, free_port
from tests.fixtures.province import IngestProcess, dossier_topic, header, read_topic
from tests.integration.simulator.simulator_processes import PaymentConnectorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
def payment_port() -> int:
    return free_port()


@pytest.fixture
def portal(tmp_path: Path, payment_port: int) -> Iterator[PortalProcess]:
    settings = {
        "payment_callback_url": f"http://127.0.0.1:{payment_port}/paygov/callback",
        "pending_resolution_seconds": "0.3",
        "callback_retry_base_seconds": "0.3",
    }
    with PortalProcess(db=tmp_path / "portal.sqlite3", settings=settings) as process:
        yield process


@pytest.fixture
def ingest(tmp_path: Path, kafka_bootstrap: str, topic_prefix: str) -> Iterator[IngestProcess]:
    with IngestProcess(kafka_bootstrap, tmp_path / "ingest.log", {"topic_prefix": topic_prefix}) as process:
        yield process


@pytest.fixture
def payment_connector(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, portal: PortalProcess, payment_port: int
) -> Iterator[PaymentConnectorProcess]:
    settings = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "topic_prefix": topic_prefix,
        "partner_secret": PAYMENT_SECRET,
        "platform_url": portal.base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "query_after": "3600",
    }
    process = PaymentConnectorProcess(tmp_path / "payment.sqlite3", payment_port, settings).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def two_days() -> Simulation:
    rates = profile("cao-bang").mess.replace(
        duplicates=Fraction(1, 10),
        invalid=Fraction(1, 10),
        out_of_order=Fraction(1, 5),
        unknown_payments=Fraction(1, 20),
    )
    return simulate("cao-bang", start=dt.date(2025, 7, 1), days=2, seed=34, scale="0.3", mess=rates)


async def _payment_events(bootstrap: str, prefix: str, expected: int) -> list[object]:
    for _ in range(60):
        records = await read_topic(bootstrap, f"{prefix}{PAYMENT_TOPIC.name}")
        if len(records) >= expected:
            break
        await asyncio.sleep(0.25)
    return [decode(r.key, r.value, r.headers).data for r in records]


async def test_the_traffic_lands_on_the_topics_as_the_truth_says(
    *,
    two_days: Simulation,
    portal: PortalProcess,
    ingest: IngestProcess,
    payment_connector: PaymentConnectorProcess,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    targets = Targets(ingest.base_url, portal.base_url, payment_connector.base_url, CLIENT_ID, CLIENT_SECRET)
    report = await drive(two_days.traffic, targets)
    assert report.ok, report.errors

    deliveries = two_days.traffic.deliveries
    valid = Counter(d.body["id"] for d in deliveries if d.kind is DeliveryKind.EVENT)
    records = await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    assert Counter(header(record, "ce_id") for record in records) == valid
    assert report.invalid_rejected == len(two_days.traffic.invalid) > 0
    assert sum(valid.values()) > len(valid), "exact duplicates were sent and accepted"

    async with httpx.AsyncClient(base_url=portal.base_url) as client:
        state = (await client.get("/admin/state")).json()
    assert sorted(s["MaHoSo"] for s in state["submissions"]) == sorted(
        d.code for d in two_days.dossiers if d.online
    )

    attempts = [d.payment for d in deliveries if d.payment is not None]
    events = await _payment_events(kafka_bootstrap, topic_prefix, 2 * len(attempts))
    initiated = sorted(e.reference for e in events if isinstance(e, PaymentInitiated))
    assert initiated == sorted(a.reference for a in attempts)
    settled = {
        e.reference: isinstance(e, PaymentSucceeded)
        for e in events
        if isinstance(e, PaymentSucceeded | PaymentFailed)
    }
    assert settled == {a.reference: a.succeeded for a in attempts}
    unknown = {p.dossier_code for p in two_days.traffic.unknown_payments}
    assert unknown
    assert unknown <= {e.dossier_code for e in events if isinstance(e, PaymentInitiated)}
