"""Decisions: what a rule returns — the new ledger entry, the commands to publish, the findings that changed.

A subscriber persists :attr:`Decision.entry`, publishes :attr:`Decision.commands` (after the entry is durable,
so a crash re-derives the same commands from the same input) and reports :attr:`Decision.findings`. The
:attr:`Decision.outcome` names what happened for the one canonical log line per event.

Command ids are derived, not random: the same input at the same ``now`` yields the same ``ce_id``, so a
replayed decision publishes a command the portal connector already recognises.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from contracts import Envelope, PortalSyncRequested, SyncReason
from hub.rules.findings import Finding
from hub.rules.ledger import LedgerEntry
from hub.rules.settings import RuleSettings

__all__ = ["COMMAND_NAMESPACE", "Decision", "Outcome", "request_sync"]

COMMAND_NAMESPACE = uuid.UUID("5b0f7c1e-3d4a-5e6f-8a9b-0c1d2e3f4a5b")
"""The UUIDv5 namespace of the hub's command ids."""


class Outcome(StrEnum):
    """What a rule did with its input."""

    APPLIED = "applied"
    """The event changed the ledger (a new revision, a payment step, an acknowledgement)."""
    DUPLICATE = "duplicate"
    """Seen before (same ``(source, id)``, or the same content): nothing changed."""
    REGRESSION = "regression"
    """An older dossier status after a newer one: recorded, not applied."""
    STALE = "stale"
    """A sync outcome for a revision older than one already settled: recorded, ignored."""
    REFUSED = "refused"
    """An event the rules will not apply (a closed agency code issued again): the reason goes with it."""
    CHECKED = "checked"
    """A periodic check ran; findings and commands say what it found."""
    HELD = "held"
    """Kept, not applied, behind the dossier's parked or dead-lettered submission (applied when released)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A rule's answer for one dossier."""

    entry: LedgerEntry
    outcome: Outcome
    commands: tuple[Envelope[PortalSyncRequested], ...] = ()
    findings: tuple[Finding, ...] = ()
    """Findings opened, changed or healed by this decision (all of the entry's are in ``entry.findings``)."""


def request_sync(
    entry: LedgerEntry, reason: SyncReason, now: dt.datetime, settings: RuleSettings
) -> tuple[LedgerEntry, Envelope[PortalSyncRequested]]:
    """A command to sync the entry's current snapshot, and the entry recording that it was requested."""
    province = entry.province
    if province is None:
        raise ValueError(f"dossier {entry.dossier_code} has no province snapshot to sync")
    command = PortalSyncRequested(
        dossier_code=entry.dossier_code,
        revision=province.revision,
        reason=reason,
        requested_at=now,
        dossier=province.snapshot,
    )
    name = f"{entry.dossier_code}|{province.revision}|{reason.value}|{now.isoformat()}"
    envelope = Envelope[PortalSyncRequested](
        id=str(uuid.uuid5(COMMAND_NAMESPACE, name)), source=settings.source, time=now, data=command
    )
    sync = entry.sync.model_copy(
        update={
            "requested_revision": province.revision,
            "requested_at": now,
            "commands": entry.sync.commands + 1,
        }
    )
    return entry.model_copy(update={"sync": sync}), envelope
