"""Reconciliation: the province's view against the portal's, turned into findings and re-sync commands.

Sync outcomes move the portal's view forward; periodic checks and drift lookups compare it with the
province's; every mismatch that outlives the sync SLA becomes a finding and, unless the portal refused the
content for good, a ``PortalSyncRequested(reason=resync)`` of the current snapshot.

* ``PortalSyncCompleted`` for revision r — the portal holds revision r (and every earlier one, since each
  snapshot is whole). Outcomes for r at or below the revision already acknowledged are stale and ignored:
  outcomes may overtake each other after retries.
* ``PortalSyncFailed`` — ``retriable=False`` means the portal refused the content: finding ``sync_refused``,
  needs an operator, and no automatic re-sync of that revision. ``retriable=True`` leaves the sync pending;
  the retry tiers decide when to try again. A failure for a revision older than the last one requested is
  stale.
* ``missing_on_portal`` — the portal holds nothing of the dossier ``sync_sla`` after the province's first
  event reached the hub. Heals when the portal acknowledges any revision or a lookup finds the dossier.
* ``status_mismatch`` — ``sync_sla`` after the current revision was applied, the portal's status differs
  from the province's latest. Heals when the portal acknowledges the current revision with the province's
  status, or a lookup finds that status. A lagging revision with the same status is re-synced without a
  finding (the status is what the index and citizens see).
* A re-sync of the same revision goes out at most once per ``resync_interval``.
* A drift lookup (:func:`check_drift`) that contradicts an acknowledgement wipes it: the portal's own
  answer outranks what it once said, and the re-sync's outcome must be accepted even for the same revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import DossierStatus, Envelope, PortalSyncCompleted, PortalSyncFailed, SyncReason
from hub.rules.decisions import Decision, Outcome, request_sync
from hub.rules.findings import FindingAction, FindingBook, FindingState, FindingType
from hub.rules.inbound import event_key, narrow
from hub.rules.ledger import LedgerEntry, SyncFailure, first_sight
from hub.rules.payments import escalate_unknown_payments
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = ["apply_sync_completed", "apply_sync_failed", "check_drift", "needs_attention", "reconcile"]


def apply_sync_completed(
    entry: LedgerEntry | None,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Record that the portal acknowledged a revision, and heal what that settles."""
    data = narrow(envelope, PortalSyncCompleted).data
    current, first = first_sight(entry, event_key(envelope), data.dossier_code, settings)
    if not first:
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    acknowledged = current.portal.revision
    if acknowledged is not None and data.revision <= acknowledged:
        return Decision(entry=current, outcome=Outcome.STALE)
    portal = current.portal.model_copy(
        update={
            "revision": data.revision,
            "status": data.status,
            "acknowledged_at": data.acknowledged_at,
            "created": data.created,
        }
    )
    history = tuple(
        r.model_copy(update={"acknowledged_at": data.acknowledged_at})
        if r.revision is not None and r.revision <= data.revision and r.acknowledged_at is None
        else r
        for r in current.history
    )
    current = current.model_copy(update={"portal": portal, "history": history})
    book = FindingBook(current.findings, current.dossier_code, now)
    _heal_sync(current, book)
    current = current.model_copy(update={"findings": book.findings})
    return Decision(entry=current, outcome=Outcome.APPLIED, findings=book.changed)


def apply_sync_failed(
    entry: LedgerEntry | None,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Record a failed sync: a refusal needs an operator; an outage leaves the sync pending."""
    data = narrow(envelope, PortalSyncFailed).data
    current, first = first_sight(entry, event_key(envelope), data.dossier_code, settings)
    if not first:
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    acknowledged, requested = current.portal.revision, current.sync.requested_revision
    if (acknowledged is not None and data.revision <= acknowledged) or (
        requested is not None and data.revision < requested
    ):
        return Decision(entry=current, outcome=Outcome.STALE)
    failure = SyncFailure(
        revision=data.revision,
        retriable=data.retriable,
        reason_code=data.reason_code,
        attempts=data.attempts,
        failed_at=data.failed_at,
    )
    current = current.model_copy(update={"sync": current.sync.model_copy(update={"last_failure": failure})})
    book = FindingBook(current.findings, current.dossier_code, now)
    if not data.retriable:
        book.raise_(
            FindingType.SYNC_REFUSED,
            f"the portal refused revision {data.revision} ({data.reason_code}) after {data.attempts} "
            "attempt(s); the same content will not be sent again automatically",
            state=FindingState.NEEDS_OPERATOR,
            action=FindingAction.OPERATOR,
        )
    current = current.model_copy(update={"findings": book.findings})
    return Decision(entry=current, outcome=Outcome.APPLIED, findings=book.changed)


def reconcile(entry: LedgerEntry, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS) -> Decision:
    """The periodic check of one dossier: heal, open, re-sync, and escalate stale unknown payments."""
    book = FindingBook(entry.findings, entry.dossier_code, now)
    commands = []
    province = entry.province
    if province is not None:
        _heal_sync(entry, book)
        status = province.snapshot.status
        resync = False
        if entry.in_step:
            pass
        elif entry.portal.status is None:
            if now - province.first_applied_at >= settings.sync_sla:
                book.raise_(
                    FindingType.MISSING_ON_PORTAL,
                    f"province at revision {province.revision} (status {status.value}) since "
                    f"{province.first_applied_at.isoformat()}; the portal holds nothing after "
                    f"{settings.sync_sla}",
                    action=_action(entry),
                )
                resync = True
        elif now - province.applied_at >= settings.sync_sla:
            if entry.portal.status != status:
                book.raise_(FindingType.STATUS_MISMATCH, _mismatch(entry, status), action=_action(entry))
            resync = True
        # a command the connector gave up on (an outage) goes again soon; a merely slow one after the SLA
        if _outage_to_retry(entry, now, settings) or (resync and _may_resync(entry, now, settings)):
            entry, command = request_sync(entry, SyncReason.RESYNC, now, settings)
            commands.append(command)
    entry = entry.model_copy(update={"findings": book.findings})
    entry, escalated = escalate_unknown_payments(entry, now, settings=settings)
    changed = {(f.type, f.key): f for f in (*book.changed, *escalated)}
    return Decision(
        entry=entry, outcome=Outcome.CHECKED, commands=tuple(commands), findings=tuple(changed.values())
    )


def needs_attention(entry: LedgerEntry) -> bool:
    """Whether the periodic check has anything to watch on the entry: it is not in step with the portal (for a
    dossier the province has reported), or a finding is still active. A settled entry changes only when an
    event arrives, which puts it back under watch."""
    if entry.active_findings:
        return True
    if entry.province is None:
        return False
    return not entry.in_step


def check_drift(
    entry: LedgerEntry,
    looked_up: DossierStatus | None,
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Compare the status a portal lookup found (None: not on the portal) with the province's.

    Equal: missing and mismatch findings heal. Different (or absent), unless the current revision's sync is
    still within its SLA: the acknowledgement is wiped, the finding opened and the snapshot re-synced.
    """
    portal = entry.portal.model_copy(update={"looked_up_at": now, "looked_up_status": looked_up})
    entry = entry.model_copy(update={"portal": portal})
    province = entry.province
    book = FindingBook(entry.findings, entry.dossier_code, now)
    commands = []
    if province is not None:
        status = province.snapshot.status
        sync = entry.sync
        in_flight = (
            entry.pending
            and sync.requested_revision == province.revision
            and sync.requested_at is not None
            and now - sync.requested_at < settings.sync_sla
        )
        if looked_up == status:
            book.heal(FindingType.MISSING_ON_PORTAL)
            book.heal(FindingType.STATUS_MISMATCH)
        elif not in_flight and now - province.first_applied_at >= settings.sync_sla:
            wiped = portal.model_copy(update={"revision": None, "status": looked_up, "acknowledged_at": None})
            entry = entry.model_copy(update={"portal": wiped})
            if looked_up is None:
                detail = (
                    f"a lookup found no dossier on the portal; province at revision {province.revision} "
                    f"(status {status.value})"
                )
                book.raise_(FindingType.MISSING_ON_PORTAL, detail, action=_action(entry))
            else:
                book.raise_(FindingType.STATUS_MISMATCH, _mismatch(entry, status), action=_action(entry))
            if not _refused(entry):
                entry, command = request_sync(entry, SyncReason.RESYNC, now, settings)
                commands.append(command)
    entry = entry.model_copy(update={"findings": book.findings})
    return Decision(entry=entry, outcome=Outcome.CHECKED, commands=tuple(commands), findings=book.changed)


def _heal_sync(entry: LedgerEntry, book: FindingBook) -> None:
    portal = entry.portal
    if portal.status is not None:
        book.heal(FindingType.MISSING_ON_PORTAL)
    if entry.in_step:
        book.heal(FindingType.STATUS_MISMATCH)
        book.heal_all(FindingType.REGRESSION)
    failure = entry.sync.last_failure
    if portal.revision is not None and (failure is None or portal.revision >= failure.revision):
        book.heal(FindingType.SYNC_REFUSED)


def _refused(entry: LedgerEntry) -> bool:
    """The portal refused the current revision's content: only an operator or a new revision helps."""
    failure = entry.sync.last_failure
    return failure is not None and not failure.retriable and failure.revision >= entry.revision


def _action(entry: LedgerEntry) -> FindingAction:
    return FindingAction.OPERATOR if _refused(entry) else FindingAction.RESYNC


def _outage_to_retry(entry: LedgerEntry, now: dt.datetime, settings: RuleSettings) -> bool:
    """The current revision's last command failed on an outage long enough ago: send it again now,
    without waiting for the SLA (a refusal is never retried; a newer command in flight is left alone)."""
    failure, sync = entry.sync.last_failure, entry.sync
    return (
        failure is not None
        and failure.retriable
        and failure.revision == entry.revision
        and sync.requested_revision == failure.revision
        and sync.requested_at is not None
        and sync.requested_at <= failure.failed_at
        and (entry.portal.revision or 0) < failure.revision
        and now - failure.failed_at >= settings.outage_retry_interval
    )


def _may_resync(entry: LedgerEntry, now: dt.datetime, settings: RuleSettings) -> bool:
    if _refused(entry):
        return False
    sync = entry.sync
    return (
        sync.requested_at is None
        or sync.requested_revision is None
        or sync.requested_revision < entry.revision
        or now - sync.requested_at >= settings.resync_interval
    )


def _mismatch(entry: LedgerEntry, status: DossierStatus) -> str:
    held = entry.portal.status
    shown = "nothing" if held is None else f"status {held.value}"
    return (
        f"the portal holds {shown} (revision {entry.portal.revision}); the province is at status "
        f"{status.value} (revision {entry.revision})"
    )
