"""The outcome events of portal commands, built from the command and its report. Pure functions.

A sync command gets ``PortalSyncCompleted`` or ``PortalSyncFailed`` (:func:`outcome_envelope`); a lookup
that reached the portal gets ``PortalLookupCompleted`` (:func:`lookup_envelope`) — a lookup that did not
gets no outcome at all (the hub asks again; see the connector's README).

The outcome's ``ce_id`` is derived from the command's ``ce_id`` and the outcome type (a UUID v5), so a command
processed twice — delivered again after a crash between publishing and committing — yields the same id for
the same kind of outcome, and consumers that dedupe by id see it once. Reasons are short and stable
(``portal_unavailable``, ``portal_refused:01``); messages go through
:func:`~connectors.portal.redaction.safe_message`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from connectors.errors import ConnectorError, PortalRefusedError
from connectors.portal.lookup import LookupReport
from connectors.portal.redaction import safe_message
from connectors.portal.sync import SyncReport
from contracts import (
    Envelope,
    EventData,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncCompleted,
    PortalSyncFailed,
    PortalSyncRequested,
)

__all__ = ["OUTCOME_NAMESPACE", "lookup_envelope", "outcome_envelope", "outcome_id", "reason_code"]

OUTCOME_NAMESPACE = uuid.UUID("5d0f3c2e-8a4b-5c61-9e7d-2b1a0f4c6d83")
"""The UUID v5 namespace of outcome ids."""

_CODE_CHARS = re.compile(r"[^\x21-\x7e]")


def outcome_id(command_id: str, event_type: str) -> str:
    """The deterministic ``ce_id`` of the outcome of ``event_type`` for the command ``command_id``."""
    return str(uuid.uuid5(OUTCOME_NAMESPACE, f"{command_id}\n{event_type}"))


def reason_code(error: ConnectorError) -> str:
    """``portal_refused:<code>`` for a refusal, else the error class's reason code."""
    if isinstance(error, PortalRefusedError):
        code = _CODE_CHARS.sub("", error.error_code)[:16] or "unknown"
        return f"{error.reason_code}:{code}"
    return error.reason_code


def outcome_envelope(
    command_id: str,
    command: PortalSyncRequested,
    report: SyncReport,
    *,
    source: str,
    now: dt.datetime | None = None,
) -> Envelope[EventData]:
    """``PortalSyncCompleted`` when the report is complete, else ``PortalSyncFailed``."""
    moment = now or dt.datetime.now(dt.UTC)
    data: EventData
    if report.error is None:
        data = PortalSyncCompleted(
            dossier_code=command.dossier_code,
            revision=command.revision,
            status=report.status,
            created=report.created,
            attempts=report.attempts,
            requested_at=command.requested_at,
            acknowledged_at=moment,
        )
    else:
        data = PortalSyncFailed(
            dossier_code=command.dossier_code,
            revision=command.revision,
            retriable=report.error.retriable,
            reason_code=reason_code(report.error),
            message=safe_message(str(report.error)),
            attempts=report.attempts,
            requested_at=command.requested_at,
            failed_at=moment,
        )
    return Envelope(id=outcome_id(command_id, data.event_type), source=source, time=moment, data=data)


def lookup_envelope(
    command_id: str,
    command: PortalLookupRequested,
    report: LookupReport,
    *,
    source: str,
    now: dt.datetime | None = None,
) -> Envelope[EventData]:
    """``PortalLookupCompleted`` for a lookup the portal answered; ValueError for one that failed."""
    if report.error is not None:
        raise ValueError("a failed lookup has no outcome event")
    moment = now or dt.datetime.now(dt.UTC)
    data = PortalLookupCompleted(
        dossier_code=command.dossier_code,
        found=report.found,
        status=report.status,
        looked_up_at=moment,
        requested_at=command.requested_at,
    )
    return Envelope(id=outcome_id(command_id, data.event_type), source=source, time=moment, data=data)
