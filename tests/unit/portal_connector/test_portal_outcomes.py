"""Outcome events of sync commands: which kind, deterministic ids, stable reasons, no personal data."""

from __future__ import annotations

import datetime as dt

from connectors.errors import (
    CircuitOpenError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal.outcomes import outcome_envelope, outcome_id, reason_code
from connectors.portal.redaction import safe_message
from connectors.portal.sync import SyncReport
from contracts import DossierStatus, PortalSyncCompleted, PortalSyncFailed, decode, encode
from tests.unit.portal_connector.portal_factories import PERSONAL_ID, make_command

NOW = dt.datetime(2025, 6, 12, 10, 0, tzinfo=dt.UTC)


def test_completed_outcome_answers_the_command() -> None:
    """A complete report gives PortalSyncCompleted with the command's revision and requested_at."""
    command = make_command(status=4, revision=7)
    report = SyncReport(DossierStatus.PROCESSING, created=False, attempts=3)
    envelope = outcome_envelope("cmd-1", command, report, source="lienthong-portal-connector", now=NOW)
    assert isinstance(envelope.data, PortalSyncCompleted)
    assert (envelope.data.revision, envelope.data.status, envelope.data.attempts) == (
        7,
        DossierStatus.PROCESSING,
        3,
    )
    assert envelope.data.requested_at == command.requested_at
    assert envelope.data.acknowledged_at == NOW
    record = encode(envelope)
    assert record.key == command.dossier_code.encode()
    assert decode(record.key, record.value, record.headers) == envelope


def test_failed_outcome_says_whether_to_retry() -> None:
    """A refusal is not retriable and names the portal's code; an outage is retriable."""
    command = make_command(status=2)
    refused = SyncReport(
        DossierStatus.RECEIVED, True, 2, PortalRefusedError("create: (01) bad", error_code="01")
    )
    envelope = outcome_envelope("cmd-2", command, refused, source="c", now=NOW)
    assert isinstance(envelope.data, PortalSyncFailed)
    assert (envelope.data.retriable, envelope.data.reason_code) == (False, "portal_refused:01")
    down = SyncReport(
        DossierStatus.RECEIVED, True, 6, PortalUnavailableError("lookup: the portal answered 503")
    )
    failed = outcome_envelope("cmd-2", command, down, source="c", now=NOW).data
    assert isinstance(failed, PortalSyncFailed)
    assert (failed.retriable, failed.reason_code, failed.attempts) == (True, "portal_unavailable", 6)


def test_outcome_ids_are_deterministic_per_command_and_kind() -> None:
    """Processing a command again gives the same id for the same kind of outcome, another for another kind."""
    command = make_command()
    done = SyncReport(DossierStatus.RECEIVED, True, 3)
    again = SyncReport(DossierStatus.RECEIVED, False, 3)
    first = outcome_envelope("cmd-3", command, done, source="c", now=NOW)
    second = outcome_envelope("cmd-3", command, again, source="c", now=NOW + dt.timedelta(minutes=5))
    assert first.id == second.id == outcome_id("cmd-3", PortalSyncCompleted.event_type)
    failed = SyncReport(DossierStatus.RECEIVED, True, 1, PortalUnavailableError("down"))
    assert outcome_envelope("cmd-3", command, failed, source="c").id != first.id
    assert outcome_envelope("cmd-4", command, done, source="c").id != first.id


def test_reason_codes_are_stable() -> None:
    assert reason_code(PortalThrottledError("429", retry_after=1)) == "portal_throttled"
    assert reason_code(CircuitOpenError("open", retry_after=1)) == "portal_circuit_open"
    assert reason_code(PortalRefusedError("x", error_code="0 2\n")) == "portal_refused:02"
    assert reason_code(PortalRefusedError("x", error_code="")) == "portal_refused:unknown"


def test_messages_lose_personal_data_shapes() -> None:
    """ID numbers and phones (9+ digit runs) and control characters never reach an outcome."""
    text = f"Dữ liệu không hợp lệ: MaDoiTuong {PERSONAL_ID}\n phone 0912345678\x00"
    cleaned = safe_message(text)
    assert PERSONAL_ID not in cleaned
    assert "0912345678" not in cleaned
    assert "\n" not in cleaned
    assert "\x00" not in cleaned
    assert "000.00.20.H14-250612-0007" in safe_message("hồ sơ 000.00.20.H14-250612-0007")
    assert len(safe_message("x" * 5000)) == 500
    assert safe_message("   ") == "no detail"
    command = make_command()
    report = SyncReport(DossierStatus.RECEIVED, True, 1, PortalRefusedError(text, error_code="01"))
    failed = outcome_envelope("cmd-5", command, report, source="c").data
    assert isinstance(failed, PortalSyncFailed)
    assert PERSONAL_ID not in failed.message
