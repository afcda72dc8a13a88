"""One drift lookup against an in-memory portal: what it holds, nothing written, failures reported, the
outcome event with a derived id."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from connectors.errors import PortalRecordError, PortalUnavailableError
from connectors.portal.breaker import CircuitBreaker
from connectors.portal.gateway import PortalGateway
from connectors.portal.limiter import RateLimiter
from connectors.portal.lookup import DossierLookup, LookupReport
from connectors.portal.outcomes import lookup_envelope, outcome_id
from connectors.portal.retries import PORTAL_CALL
from connectors.portal.sync import DossierSync
from contracts import DossierStatus, LookupReason, PortalLookupCompleted, PortalLookupRequested
from tests.unit.portal_connector.fake_portal import FakePortalClient
from tests.unit.portal_connector.portal_factories import RECEIVED, dossier_code, make_command

NOW = dt.datetime(2025, 6, 12, 10, 0, tzinfo=dt.UTC)


async def no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def _gateway(portal: FakePortalClient) -> PortalGateway:
    return PortalGateway(
        portal,  # type: ignore[arg-type]
        breaker=CircuitBreaker(5, 30.0),
        limiter=RateLimiter(1000.0, 100),
        policy=PORTAL_CALL,
        sleep=no_sleep,
    )


def _command(code: str = dossier_code(7)) -> PortalLookupRequested:
    return PortalLookupRequested(dossier_code=code, reason=LookupReason.DRIFT, requested_at=RECEIVED)


@pytest.fixture
def portal() -> FakePortalClient:
    return FakePortalClient()


async def test_a_lookup_reports_the_status_the_portal_holds_and_writes_nothing(
    portal: FakePortalClient,
) -> None:
    gateway = _gateway(portal)
    await DossierSync(gateway, deadline_s=30.0).run(make_command(status=4))
    portal.calls.clear()
    report = await DossierLookup(gateway, deadline_s=30.0).run(_command())
    assert (report.found, report.status, report.attempts, report.error) == (
        True,
        DossierStatus.PROCESSING,
        1,
        None,
    )
    assert portal.calls == ["lookup"]


async def test_a_dossier_the_portal_lacks_is_not_found(portal: FakePortalClient) -> None:
    report = await DossierLookup(_gateway(portal), deadline_s=30.0).run(_command(dossier_code(8)))
    assert (report.found, report.status, report.error) == (False, None, None)


async def test_an_outage_is_retried_then_reported(portal: FakePortalClient) -> None:
    portal.fail("lookup", PortalUnavailableError("503"), PortalUnavailableError("503"))
    portal.dossiers[dossier_code(7)] = {"MaHoSo": dossier_code(7), "TrangThaiHoSo": 2}
    report = await DossierLookup(_gateway(portal), deadline_s=30.0).run(_command())
    assert (report.status, report.attempts) == (DossierStatus.RECEIVED, 3)

    portal.fail("lookup", *(PortalUnavailableError("503") for _ in range(50)))
    down = await DossierLookup(_gateway(portal), deadline_s=30.0).run(_command())
    assert isinstance(down.error, PortalUnavailableError)
    assert (down.found, down.attempts) == (False, PORTAL_CALL.max_attempts)


async def test_a_record_without_a_known_status_is_an_error_not_an_absence(portal: FakePortalClient) -> None:
    portal.dossiers[dossier_code(7)] = {"MaHoSo": dossier_code(7), "TrangThaiHoSo": 42}
    report = await DossierLookup(_gateway(portal), deadline_s=30.0).run(_command())
    assert isinstance(report.error, PortalRecordError)
    assert not report.error.retriable


def test_the_outcome_answers_the_command_with_an_id_derived_from_it() -> None:
    found = lookup_envelope(
        "cmd-1", _command(), LookupReport(DossierStatus.PROCESSING, 1), source="c", now=NOW
    )
    assert isinstance(found.data, PortalLookupCompleted)
    assert (found.data.found, found.data.status, found.data.looked_up_at) == (
        True,
        DossierStatus.PROCESSING,
        NOW,
    )
    assert found.data.requested_at == RECEIVED
    assert found.id == outcome_id("cmd-1", PortalLookupCompleted.event_type)
    again = lookup_envelope("cmd-1", _command(), LookupReport(None, 1), source="c", now=NOW)
    assert again.id == found.id, "the same command processed again answers under the same id"
    assert (again.data.found, again.data.status) == (False, None)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="no outcome"):
        lookup_envelope("cmd-1", _command(), LookupReport(None, 6, PortalUnavailableError("503")), source="c")
