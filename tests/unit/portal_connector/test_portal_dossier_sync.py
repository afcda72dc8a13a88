"""One sync command against an in-memory portal: create or update, idempotence, failures reported."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import (
    CircuitOpenError,
    PortalAuthError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal.breaker import BreakerState, CircuitBreaker
from connectors.portal.gateway import CallBudget, PortalGateway
from connectors.portal.limiter import RateLimiter
from connectors.portal.retries import PORTAL_CALL
from connectors.portal.sync import DossierSync
from contracts import DossierStatusChanged
from tests.unit.portal_connector.fake_portal import FakePortalClient
from tests.unit.portal_connector.portal_factories import make_command


async def no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def _gateway(portal: FakePortalClient, *, threshold: int = 5, open_s: float = 30.0) -> PortalGateway:
    return PortalGateway(
        portal,  # type: ignore[arg-type]
        breaker=CircuitBreaker(threshold, open_s),
        limiter=RateLimiter(1000.0, 100),
        policy=PORTAL_CALL,
        sleep=no_sleep,
    )


@pytest.fixture
def portal() -> FakePortalClient:
    return FakePortalClient()


@pytest.fixture
def sync(portal: FakePortalClient) -> DossierSync:
    return DossierSync(_gateway(portal), deadline_s=30.0)


async def test_new_dossier_is_looked_up_created_and_progressed(
    portal: FakePortalClient, sync: DossierSync
) -> None:
    """Absent on the portal: look-up, create, progress — three calls, created."""
    report = await sync.run(make_command(status=2))
    assert report.completed
    assert (report.created, report.attempts) == (True, 3)
    assert portal.calls == ["lookup", "create", "progress"]
    assert portal.dossiers["000.00.20.H14-250612-0007"]["TrangThaiHoSo"] == 2


async def test_known_dossier_is_updated(portal: FakePortalClient, sync: DossierSync) -> None:
    """Present on the portal: look-up, update, progress; not created."""
    await sync.run(make_command(status=2))
    portal.calls.clear()
    report = await sync.run(make_command(status=4, revision=2))
    assert (report.completed, report.created) == (True, False)
    assert portal.calls == ["lookup", "update", "progress"]
    assert portal.dossiers["000.00.20.H14-250612-0007"]["TrangThaiHoSo"] == 4
    assert portal.creates == 1


async def test_dropped_create_is_retried_as_update(portal: FakePortalClient, sync: DossierSync) -> None:
    """The create's answer is lost after the write: the retried create meets 03 and becomes an update."""
    portal.drop_after_write("create")
    report = await sync.run(make_command(status=2))
    assert report.completed
    assert report.created
    assert portal.calls == ["lookup", "create", "create", "update", "progress"]
    assert portal.creates == 1
    assert report.attempts == 5


async def test_vanished_dossier_is_created_again(portal: FakePortalClient, sync: DossierSync) -> None:
    """An update answered 04 (gone since the look-up) is sent as a create, once."""
    await sync.run(make_command(status=2))
    portal.calls.clear()
    update = portal.update

    async def vanish_then_update(dossier: DossierStatusChanged) -> None:
        portal.dossiers.clear()
        portal.update = update  # type: ignore[method-assign]
        await update(dossier)

    portal.update = vanish_then_update  # type: ignore[method-assign]
    report = await sync.run(make_command(status=4, revision=2))
    assert report.completed
    assert portal.calls == ["lookup", "update", "create", "progress"]
    assert portal.creates == 2


async def test_redelivered_command_adds_no_second_progress_row(
    portal: FakePortalClient, sync: DossierSync
) -> None:
    """The same command twice: the second updates but finds its progress row already there."""
    command = make_command(status=4)
    await sync.run(command)
    portal.calls.clear()
    report = await sync.run(command)
    assert report.completed
    assert portal.calls == ["lookup", "update"]
    assert len(portal.progress) == 1


async def test_an_older_snapshot_never_takes_the_portal_back(
    portal: FakePortalClient, sync: DossierSync
) -> None:
    """A replay of an older command after a newer one went through: looked up, recognised, nothing sent."""
    await sync.run(make_command(status=2, revision=1))
    await sync.run(make_command(status=4, revision=2))
    portal.calls.clear()
    report = await sync.run(make_command(status=2, revision=1))
    assert report.completed
    assert report.superseded
    assert portal.calls == ["lookup"]
    assert [row["TrangThai"] for row in portal.progress] == [2, 4]
    again = await sync.run(make_command(status=4, revision=2))  # the newest one itself is not "older"
    assert not again.superseded


async def test_refusal_is_reported_not_retried(portal: FakePortalClient, sync: DossierSync) -> None:
    """A 01 on create ends the sync at once: not retriable, two calls made."""
    portal.fail(
        "create", PortalRefusedError("create: the portal refused (01) Dữ liệu không hợp lệ", error_code="01")
    )
    report = await sync.run(make_command(status=2))
    assert not report.completed
    assert isinstance(report.error, PortalRefusedError)
    assert (report.error.retriable, report.attempts) == (False, 2)
    assert portal.calls == ["lookup", "create"]


async def test_transient_failures_are_ridden_out(portal: FakePortalClient, sync: DossierSync) -> None:
    """503s on every step are retried within the policy; the sync completes and counts every attempt."""
    portal.fail("lookup", PortalUnavailableError("503"), PortalUnavailableError("503"))
    portal.fail("progress", PortalUnavailableError("504"))
    report = await sync.run(make_command(status=2))
    assert report.completed
    assert report.attempts == 6


async def test_outage_beyond_the_policy_is_a_retriable_failure(portal: FakePortalClient) -> None:
    """A portal down for good: the sync gives up as retriable; the breaker opened on the way."""
    gateway = _gateway(portal, threshold=3, open_s=0.05)
    portal.fail("lookup", *(PortalUnavailableError("503") for _ in range(50)))
    report = await DossierSync(gateway, deadline_s=30.0).run(make_command(status=2))
    assert not report.completed
    assert isinstance(report.error, PortalUnavailableError)
    assert report.error.retriable
    assert report.attempts == PORTAL_CALL.max_attempts
    assert gateway.breaker.times_opened >= 1


async def test_open_circuit_fails_fast_without_calling(portal: FakePortalClient) -> None:
    """While the circuit is open, attempts make no call and carry the remaining open time."""
    gateway = _gateway(portal, threshold=1, open_s=60.0)
    gateway.breaker.acquire()
    gateway.breaker.record_failure()
    assert gateway.breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpenError) as caught:
        await gateway.call(
            "lookup",
            lambda: portal.lookup("x"),
            CallBudget(deadline=None),
            policy=PORTAL_CALL.replace(max_attempts=1),
        )
    assert caught.value.retry_after > 59
    assert portal.calls == []


async def test_deadline_bounds_the_whole_sync(portal: FakePortalClient) -> None:
    """A portal that hangs: the sync ends at its deadline as a retriable unavailability."""

    async def hang(_code: str) -> None:
        await asyncio.sleep(3600)

    portal.lookup = hang  # type: ignore[method-assign]
    report = await DossierSync(_gateway(portal), deadline_s=0.05).run(make_command(status=2))
    assert isinstance(report.error, PortalUnavailableError)
    assert "deadline" in str(report.error)
    assert report.attempts == 1


async def test_auth_failure_is_not_retriable(portal: FakePortalClient, sync: DossierSync) -> None:
    portal.fail("lookup", PortalAuthError("credentials refused"))
    report = await sync.run(make_command(status=2))
    assert report.error is not None
    assert not report.error.retriable


async def test_throttling_holds_back_every_caller(portal: FakePortalClient) -> None:
    """A 429 defers the shared limiter by its Retry-After, and does not count against the breaker."""
    gateway = _gateway(portal, threshold=1)
    portal.fail("lookup", PortalThrottledError("429", retry_after=0.01))
    report = await DossierSync(gateway, deadline_s=30.0).run(make_command(status=2))
    assert report.completed
    assert gateway.breaker.times_opened == 0
    assert gateway.limiter.waited_s > 0
