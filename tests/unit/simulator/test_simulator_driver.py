"""The driver against in-memory stand-ins of the ingest (with the real admission rules), portal and payment
connector: what it sends, in which order, and how it judges each answer."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import httpx
import pytest
from rich.console import Console

from connectors.province import admit_batch
from connectors.simulator import (
    DeliveryKind,
    Display,
    DriveSettings,
    Report,
    Simulation,
    Targets,
    drive,
    profile,
    simulate,
)
from connectors.simulator.retries import RetryPolicy

TARGETS = Targets("http://ingest", "http://portal", "http://payment")


@dataclass
class Stand:
    """The three services, in memory; knobs make them misbehave."""

    first_sequence: int = 1
    busy_answers: int = 0
    accept_everything: bool = False
    refuse_id: str | None = None
    batches: list[list[str]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    sequences: dict[tuple[str, str], int] = field(default_factory=dict)
    registrations: list[str] = field(default_factory=list)
    paid: list[dict[str, Any]] = field(default_factory=list)

    def ingest(self, request: httpx.Request) -> httpx.Response:
        if self.busy_answers:
            self.busy_answers -= 1
            return httpx.Response(503, headers={"Retry-After": "3"}, json={"error": "not_ready"})
        events = json.loads(request.content)
        self.batches.append([event["id"] for event in events])
        _, rejections = admit_batch(events)
        refused = [r.as_json() for r in rejections]
        refused += [
            {"index": i, "id": e["id"], "reason": "refused by the test"}
            for i, e in enumerate(events)
            if e["id"] == self.refuse_id
        ]
        if refused and not self.accept_everything:
            return httpx.Response(400, json={"error": "invalid_events", "rejected": refused})
        self.published += events
        return httpx.Response(202, json={"accepted": len(events), "ids": [e["id"] for e in events]})

    def portal(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/oauth/token":
            return httpx.Response(
                200, json={"access_token": "token", "token_type": "bearer", "expires_in": 3600}
            )
        if path == "/citizen/submissions":
            body = json.loads(request.content)
            key = (body["MaCoQuanTiepNhan"], body["ThoiDiemNop"][2:8])
            self.sequences[key] = self.sequences.get(key, self.first_sequence - 1) + 1
            code = f"{key[0]}-{key[1]}-{self.sequences[key]:04d}"
            return httpx.Response(200, json={"error_code": "00", "MaHoSo": code, "cursor": 1})
        if path == "/api/paygov/INIT":
            assert request.headers["Authorization"] == "Bearer token"
            return httpx.Response(200, json={"MaLoi": "00"})
        if request.method == "POST" and path.startswith("/pay/"):
            self.paid.append(json.loads(request.content))
            return httpx.Response(200, json={"MaLoi": "00", "TrangThaiGD": 1})
        if request.method == "GET" and path.startswith("/pay/"):
            return httpx.Response(200, json={"MaLoi": "00", "TrangThaiGD": 1})
        return httpx.Response(404)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "ingest":
            return self.ingest(request)
        if request.url.host == "portal":
            return self.portal(request)
        self.registrations.append(json.loads(request.content)["MaThamChieu"])
        return httpx.Response(201, json={"MaLoi": "00"})


@pytest.fixture(scope="module")
def messy() -> Simulation:
    rates = profile("cao-bang").mess.replace(
        duplicates=Fraction(3, 10), invalid=Fraction(1, 10), out_of_order=Fraction(3, 10)
    )
    return simulate("cao-bang", start=dt.date(2025, 7, 1), days=2, seed=5, scale="0.5", mess=rates)


async def run(sim: Simulation, stand: Stand, **settings: Any) -> tuple[Report, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    chosen = DriveSettings(**({"batch_size": 20, "lanes": 3, "window": 150} | settings))
    transport = httpx.MockTransport(stand.handle)
    report = await drive(sim.traffic, TARGETS, settings=chosen, transport=transport, sleep=sleep)
    return report, slept


def _deliveries(sim: Simulation, kind: DeliveryKind) -> list[Any]:
    return [d for d in sim.traffic.deliveries if d.kind is kind]


async def test_every_answer_is_the_expected_one_and_everything_is_sent(messy: Simulation) -> None:
    stand = Stand()
    report, _ = await run(messy, stand)
    events, invalid = _deliveries(messy, DeliveryKind.EVENT), _deliveries(messy, DeliveryKind.INVALID)
    payments = _deliveries(messy, DeliveryKind.PAYMENT)
    assert report.ok, report.errors
    assert report.events_sent == report.events_accepted == len(events)
    assert report.duplicates_sent == len(messy.traffic.duplicates) > 0
    assert report.invalid_sent == report.invalid_rejected == len(invalid) > 0
    assert (
        report.submissions_sent
        == report.submissions_matched
        == len(_deliveries(messy, DeliveryKind.SUBMISSION))
    )
    assert report.payments_initiated == report.payments_paid == len(payments)
    assert sorted(stand.registrations) == sorted(d.payment.reference for d in payments)
    assert sorted(e["id"] for e in stand.published) == sorted(d.body["id"] for d in events)


async def test_a_dossier_events_arrive_in_delivery_order_and_no_batch_repeats_an_id(
    messy: Simulation,
) -> None:
    stand = Stand()
    await run(messy, stand)
    arrived: dict[str, list[str]] = defaultdict(list)
    for event in stand.published:
        arrived[event["subject"]].append(event["id"])
    planned: dict[str, list[str]] = defaultdict(list)
    for delivery in _deliveries(messy, DeliveryKind.EVENT):
        planned[delivery.dossier_code].append(delivery.body["id"])
    assert arrived == planned
    assert all(len(batch) == len(set(batch)) <= 20 for batch in stand.batches)
    late = messy.traffic.overtaken[0]
    order = arrived[late.dossier_code]
    assert order.index(late.overtaken_by) < order.index(late.late_event_id)


async def test_busy_answers_are_retried_after_the_time_the_server_asks(messy: Simulation) -> None:
    stand = Stand(busy_answers=2)
    report, slept = await run(messy, stand)
    assert report.ok, report.errors
    assert report.retries >= 2
    assert slept[:2] == [3.0, 3.0]


async def test_retries_give_up_after_the_policy_attempts(messy: Simulation) -> None:
    stand = Stand(busy_answers=10_000)
    report, _ = await run(messy, stand, retry=RetryPolicy(attempts=3))
    assert not report.ok
    assert all("no answer" in error or "unexpected" in error for error in report.errors if "ingest" in error)


async def test_an_invalid_event_accepted_is_an_error(messy: Simulation) -> None:
    report, _ = await run(messy, Stand(accept_everything=True))
    invalid = _deliveries(messy, DeliveryKind.INVALID)
    assert len(report.errors) == len(invalid)
    assert all("invalid event" in error and "answered HTTP 202" in error for error in report.errors)


async def test_a_valid_event_refused_is_reported_and_the_rest_of_its_batch_sent_again(
    messy: Simulation,
) -> None:
    victim = _deliveries(messy, DeliveryKind.EVENT)[5].body["id"]
    stand = Stand(refuse_id=victim)
    report, _ = await run(messy, stand)
    assert [e for e in report.errors if victim in e]
    published = {e["id"] for e in stand.published}
    assert victim not in published
    assert len(published) == len({d.body["id"] for d in _deliveries(messy, DeliveryKind.EVENT)}) - 1


async def test_a_submission_numbered_otherwise_than_predicted_stops_the_run(messy: Simulation) -> None:
    stand = Stand(first_sequence=2)
    report, _ = await run(messy, stand)
    assert report.aborted
    assert not report.ok
    assert "POST /admin/reset" in report.errors[0]
    assert report.submissions_matched == 0


async def test_progress_is_shown_on_a_terminal_and_the_summary_lists_every_count(messy: Simulation) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with Display(console) as display:
        report = await drive(
            messy.traffic, TARGETS, display=display, transport=httpx.MockTransport(Stand().handle)
        )
    report.render(console)
    shown = screen.getvalue()
    assert "province events" in shown
    assert "portal submissions" in shown
    assert "rejected as expected" in shown
    assert "unexpected answers (errors)" in shown
