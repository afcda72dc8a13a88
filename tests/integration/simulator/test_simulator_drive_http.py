"""A small simulated run over real HTTP: the mock portal as a process, the province ingest application (real
admission rules, an in-memory sink instead of Kafka) and a recording stand-in for the payment connector."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import httpx
import pytest

from connectors.province import InMemorySink
from connectors.simulator import DeliveryKind, Simulation, Targets, drive, profile, simulate
from tests.fixtures.portal import CLIENT_ID, CLIENT_SECRET, PortalProcess
from tests.integration.simulator.simulator_processes import PaymentStandIn, serve_ingest


@pytest.fixture
def payments() -> Iterator[PaymentStandIn]:
    with PaymentStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def portal(tmp_path: Path, payments: PaymentStandIn) -> Iterator[PortalProcess]:
    settings = {
        "payment_callback_url": f"{payments.base_url}/paygov/callback",
        "pending_resolution_seconds": "0.3",
        "callback_retry_base_seconds": "0.2",
    }
    with PortalProcess(db=tmp_path / "portal.sqlite3", settings=settings) as process:
        yield process


@pytest.fixture(scope="module")
def two_days() -> Simulation:
    rates = profile("cao-bang").mess.replace(
        duplicates=Fraction(1, 10),
        invalid=Fraction(1, 10),
        out_of_order=Fraction(1, 5),
        closed_codes=Fraction(1, 2),
        unknown_payments=Fraction(1, 20),
    )
    return simulate("cao-bang", start=dt.date(2025, 7, 1), days=2, seed=21, scale="0.4", mess=rates)


async def test_every_event_submission_and_payment_meets_the_expected_answer(
    two_days: Simulation, portal: PortalProcess, payments: PaymentStandIn
) -> None:
    sink = InMemorySink()
    async with serve_ingest(sink) as ingest_url:
        targets = Targets(ingest_url, portal.base_url, payments.base_url, CLIENT_ID, CLIENT_SECRET)
        report = await drive(two_days.traffic, targets)
    assert report.ok, report.errors

    deliveries = two_days.traffic.deliveries
    valid = [d.body["id"] for d in deliveries if d.kind is DeliveryKind.EVENT]
    published = [dict(record.headers)["ce_id"].decode() for record in sink.records()]
    assert Counter(published) == Counter(valid)
    assert report.invalid_rejected == len(two_days.traffic.invalid) > 0
    assert not {i.id for i in two_days.traffic.invalid} & set(published)

    async with httpx.AsyncClient(base_url=portal.base_url) as client:
        state = (await client.get("/admin/state")).json()
    predicted = sorted(d.code for d in two_days.dossiers if d.online)
    assert sorted(s["MaHoSo"] for s in state["submissions"]) == predicted
    assert report.submissions_matched == len(predicted) > 0

    attempts = [d.payment for d in deliveries if d.payment is not None]
    assert sorted(r["MaThamChieu"] for r in payments.registrations) == sorted(a.reference for a in attempts)
    for _ in range(100):
        if len({c["MaThamChieu"] for c in payments.callbacks}) >= len(attempts):
            break
        await asyncio.sleep(0.1)
    outcome = {c["MaThamChieu"]: c["MaLoi"] for c in payments.callbacks}
    assert outcome == {a.reference: "00" if a.succeeded else "01" for a in attempts}


async def test_a_second_run_on_the_same_portal_stops_at_the_first_misnumbered_submission(
    two_days: Simulation, portal: PortalProcess, payments: PaymentStandIn
) -> None:
    async with serve_ingest(InMemorySink()) as ingest_url:
        targets = Targets(ingest_url, portal.base_url, payments.base_url, CLIENT_ID, CLIENT_SECRET)
        first = await drive(two_days.traffic, targets)
        second = await drive(two_days.traffic, targets)
    assert first.ok, first.errors
    assert second.aborted
    assert "was predicted" in second.errors[0]
