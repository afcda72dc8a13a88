"""The re-query job against a scripted platform (httpx.MockTransport) and a clock moved by hand."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.errors import (
    PaymentPlatformAuthError,
    PaymentPlatformRefusedError,
    PaymentPlatformUnavailableError,
)
from connectors.payment.messages import Registration
from connectors.payment.metrics import Metrics
from connectors.payment.platform import PlatformClient
from connectors.payment.reconciliation import QueryJob, QuerySchedule
from connectors.payment.relay import PaymentRelay
from connectors.payment.store import TransactionStore
from contracts import PaymentFailed, PaymentSucceeded
from tests.unit.payment_connector.doubles import SECRET, MemorySink, registration

Answer = dict[str, Any] | int | Exception
CLIENT_SECRET = "unit-client-secret"  # noqa: S105 - a fixed secret of the unit tests


class ScriptedPlatform:
    """Answers QUERY from a list (last one repeats); counts token grants and queries."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.tokens = 0
        self.queries: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"t{self.tokens}", "expires_in": 3600})
        assert request.headers["Authorization"].startswith("Bearer ")
        self.queries.append(json.loads(request.content))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return httpx.Response(answer, json={"error": "x"})
        return httpx.Response(200, json=answer)


def _status(code: int, **extra: Any) -> dict[str, Any]:
    return {"MaLoi": "00", "TrangThaiGD": code, "MaGiaoDich": None} | extra


PAID = _status(1, MaGiaoDich="GD7", MaNganHang="VCB", ThoiGianGD="20250612083000")


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TransactionStore]:
    store = TransactionStore(tmp_path / "payment.sqlite3")
    store.open()
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


JobFactory = Callable[[ScriptedPlatform], tuple[QueryJob, MemorySink, Metrics]]


@pytest.fixture
async def make_job(store: TransactionStore, clock: Clock) -> AsyncIterator[JobFactory]:
    clients: list[PlatformClient] = []

    def make(platform: ScriptedPlatform) -> tuple[QueryJob, MemorySink, Metrics]:
        sink, metrics = MemorySink(), Metrics()
        relay = PaymentRelay(
            store,
            sink,
            source="urn:test",
            partner_code="LIENTHONG",
            partner_secret=SECRET,
            metrics=metrics,
            clock=clock,
        )
        client = PlatformClient(
            "http://platform.test",
            partner_code="LIENTHONG",
            client_id="c",
            client_secret=CLIENT_SECRET,
            transport=httpx.MockTransport(platform),
        )
        clients.append(client)
        schedule = QuerySchedule(query_after=1800, give_up_after=3 * 86400, query_interval=60)
        return QueryJob(store, client, relay, schedule, metrics, clock=clock), sink, metrics

    yield make
    for client in clients:
        await client.aclose()


async def _register(job_sink: MemorySink, store: TransactionStore, clock: Clock) -> None:
    relay = PaymentRelay(
        store,
        job_sink,
        source="urn:test",
        partner_code="LIENTHONG",
        partner_secret=SECRET,
        metrics=Metrics(),
        clock=clock,
    )
    await relay.register(Registration.model_validate(registration()))


async def test_nothing_is_queried_before_query_after(
    make_job: JobFactory, store: TransactionStore, clock: Clock
) -> None:
    platform = ScriptedPlatform(PAID)
    job, sink, _ = make_job(platform)
    await _register(sink, store, clock)
    clock.now += 1799
    assert await job.run_once() == 0
    assert platform.queries == []


async def test_pending_then_success(make_job: JobFactory, store: TransactionStore, clock: Clock) -> None:
    """3, 3, 1: one PaymentPending, then PaymentSucceeded; a transaction is asked once per interval."""
    platform = ScriptedPlatform(_status(3), _status(3), PAID)
    job, sink, metrics = make_job(platform)
    await _register(sink, store, clock)
    clock.now += 1800
    assert await job.run_once() == 1
    assert await job.run_once() == 0  # asked less than query_interval ago
    clock.now += 60
    await job.run_once()
    clock.now += 60
    await job.run_once()
    clock.now += 60
    assert await job.run_once() == 0  # resolved: no longer watched
    assert sink.types == ["PaymentInitiated", "PaymentPending", "PaymentSucceeded"]
    succeeded = sink.envelopes[-1].data
    assert isinstance(succeeded, PaymentSucceeded)
    assert (succeeded.transaction_id, succeeded.bank_code) == ("GD7", "VCB")
    assert platform.queries[0] == {"MaDoiTac": "LIENTHONG", "MaThamChieu": registration()["MaThamChieu"]}
    assert platform.tokens == 1
    assert (metrics.queries["pending"], metrics.queries["succeeded"]) == (2, 1)


async def test_failed_answer_publishes_failed(
    make_job: JobFactory, store: TransactionStore, clock: Clock
) -> None:
    job, sink, _ = make_job(ScriptedPlatform(_status(4, MaGiaoDich="GD8")))
    await _register(sink, store, clock)
    clock.now += 1800
    await job.run_once()
    failed = sink.envelopes[-1].data
    assert isinstance(failed, PaymentFailed)
    assert (failed.transaction_id, failed.reason) == ("GD8", None)


@pytest.mark.parametrize(
    "trouble",
    [503, 429, httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), {"MaLoi": "04", "MoTaLoi": "x"}],
    ids=["503", "429", "refused", "timeout", "not-found"],
)
async def test_platform_trouble_is_counted_and_retried(
    trouble: Answer, make_job: JobFactory, store: TransactionStore, clock: Clock
) -> None:
    job, sink, metrics = make_job(ScriptedPlatform(trouble, PAID))
    await _register(sink, store, clock)
    clock.now += 1800
    await job.run_once()
    assert metrics.queries["error"] == 1
    assert sink.types == ["PaymentInitiated"]
    clock.now += 60
    await job.run_once()
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]


async def test_given_up_after_give_up_after(
    make_job: JobFactory, store: TransactionStore, clock: Clock
) -> None:
    """Unknown three days after registration: PaymentFailed(reason expired), then no more queries."""
    platform = ScriptedPlatform(_status(3))
    job, sink, metrics = make_job(platform)
    await _register(sink, store, clock)
    clock.now += 3 * 86400
    await job.run_once()
    clock.now += 60
    assert await job.run_once() == 0
    assert sink.types == ["PaymentInitiated", "PaymentFailed"]
    expired = sink.envelopes[-1].data
    assert isinstance(expired, PaymentFailed)
    assert expired.reason == "expired"
    assert metrics.queries["expired"] == 1


async def test_a_resolution_on_the_last_query_wins_over_expiry(
    make_job: JobFactory, store: TransactionStore, clock: Clock
) -> None:
    job, sink, _ = make_job(ScriptedPlatform(PAID))
    await _register(sink, store, clock)
    clock.now += 4 * 86400
    await job.run_once()
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]


async def test_platform_client_translates_errors() -> None:
    """401 with a fresh token → auth error; 400 → refused; a dropped connection → unavailable."""

    def always(status: int) -> Callable[[httpx.Request], httpx.Response]:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/oauth/token":
                return httpx.Response(200, json={"access_token": "t", "expires_in": 60})
            return httpx.Response(status, json={})

        return handler

    def dropped(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    def bad_credentials(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    cases: list[tuple[Callable[[httpx.Request], httpx.Response], type[Exception]]] = [
        (always(401), PaymentPlatformAuthError),
        (always(400), PaymentPlatformRefusedError),
        (always(502), PaymentPlatformUnavailableError),
        (dropped, PaymentPlatformUnavailableError),
        (bad_credentials, PaymentPlatformAuthError),
    ]
    for handler, error in cases:
        async with PlatformClient(
            "http://platform.test",
            partner_code="P",
            client_id="c",
            client_secret=CLIENT_SECRET,
            transport=httpx.MockTransport(handler),
        ) as client:
            with pytest.raises(error):
                await client.query("R1")
