"""Applying the province's dossier events to the ledger: duplicates, regressions, new revisions.

Each :class:`~contracts.DossierStatusChanged` carries the dossier's whole state, so the hub keeps the latest
snapshot and never merges. *Latest* is a total order on events (:func:`order_key`):

1. ``status_changed_at`` — when the province says the status changed;
2. at an equal instant, the status further along the lifecycle (:data:`TIE_RANK`): 1 < 2 < 4 < 5 < 6 <
   {3, 7, 8} < 9 < 10 — a terminal status follows the work that led to it, and delivery (10) follows the
   result (9);
3. then the status code, the event's ``ce_time``, and finally its ``(source, id)``, so that two distinct
   events are never tied and any delivery order picks the same winner.

An event is applied when it orders after the current snapshot: the revision goes up by one and a
``PortalSyncRequested(reason=province_event)`` for the new snapshot is returned. An event that orders before
it is a **regression**: recorded in the history (without a revision) and as a ``regression`` finding, never
applied — the portal must not go backwards because Kafka or a connector delivered late. The finding heals
once the portal has acknowledged the current revision (it then holds the latest status, not the late one).

Duplicates change nothing: the same ``(source, id)`` (remembered per dossier, and in the history), or the
same content under another id (a snapshot whose digest is already in the history).

Terminal statuses (3 not received, 7 withdrawn, 8 stopped, 9 processed, 10 delivered) end processing for the
indicators (the first terminal status counts, see :mod:`hub.rules.timing`), but they do not freeze the
ledger: 9 is normally followed by 10, and a later snapshot the province sends after a terminal status is its
correction and is applied like any other. What no status can do is overtake a later one from behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import DossierStatus, DossierStatusChanged, Envelope, SyncReason
from hub.rules.decisions import Decision, Outcome, request_sync
from hub.rules.findings import FindingAction, FindingBook, FindingType
from hub.rules.inbound import EventKey, content_digest, event_key
from hub.rules.ledger import LedgerEntry, ProvinceView, StatusRecord, new_entry
from hub.rules.payments import settle_payments
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = ["TIE_RANK", "OrderKey", "apply_dossier_event", "finding_key", "order_key"]

TIE_RANK: dict[DossierStatus, int] = {
    DossierStatus.NEW_REGISTRATION: 0,
    DossierStatus.RECEIVED: 1,
    DossierStatus.PROCESSING: 2,
    DossierStatus.SUPPLEMENT_REQUESTED: 3,
    DossierStatus.FINANCIAL_OBLIGATION: 4,
    DossierStatus.NOT_RECEIVED: 5,
    DossierStatus.WITHDRAWN: 5,
    DossierStatus.STOPPED: 5,
    DossierStatus.PROCESSED: 6,
    DossierStatus.DELIVERED: 7,
}
"""How far along the lifecycle a status is, used only between events with the same ``status_changed_at``."""

OrderKey = tuple[dt.datetime, int, int, dt.datetime, str, str]


def order_key(data: DossierStatusChanged, event_time: dt.datetime, key: EventKey) -> OrderKey:
    """Where an event stands in the dossier's order: the greatest key is the latest snapshot."""
    return (data.status_changed_at, TIE_RANK[data.status], data.status.value, event_time, *key)


def finding_key(key: EventKey) -> str:
    """The key of a finding about one event: ``"<source> <id>"`` (neither part may contain a space)."""
    return f"{key[0]} {key[1]}"


def apply_dossier_event(
    entry: LedgerEntry | None,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Apply one province event to the dossier's entry (None for a dossier not seen yet)."""
    data = envelope.data
    if not isinstance(data, DossierStatusChanged):
        raise TypeError(f"expected DossierStatusChanged data, got {type(data).__name__}")
    current = entry if entry is not None else new_entry(data.dossier_code)
    key = event_key(envelope)
    if current.has_applied(key) or any(r.event == key for r in current.history):
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    current = current.remember(key, settings)
    digest = content_digest(data)
    province = current.province
    if (province is not None and province.digest == digest) or any(
        r.digest == digest for r in current.history
    ):
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    record = StatusRecord(
        event=key,
        status=data.status,
        status_changed_at=data.status_changed_at,
        event_time=envelope.time,
        seen_at=now,
        digest=digest,
    )
    if province is not None and order_key(data, envelope.time, key) < order_key(
        province.snapshot, province.event_time, province.event
    ):
        return _regression(current, record, province, now, settings)
    revision = current.revision + 1
    view = ProvinceView(
        snapshot=data,
        event=key,
        event_time=envelope.time,
        digest=digest,
        revision=revision,
        applied_at=now,
        first_applied_at=province.first_applied_at if province is not None else now,
    )
    history = _bounded((*current.history, record.model_copy(update={"revision": revision})), settings)
    current = current.model_copy(update={"province": view, "history": history})
    current, command = request_sync(current, SyncReason.PROVINCE_EVENT, now, settings)
    current, changed = settle_payments(current, now)
    return Decision(entry=current, outcome=Outcome.APPLIED, commands=(command,), findings=changed)


def _regression(
    entry: LedgerEntry, record: StatusRecord, province: ProvinceView, now: dt.datetime, settings: RuleSettings
) -> Decision:
    latest = province.snapshot
    detail = (
        f"status {record.status.value} changed at {record.status_changed_at.isoformat()} arrived after "
        f"status {latest.status.value} changed at {latest.status_changed_at.isoformat()} (revision "
        f"{province.revision}); kept in the history, not applied"
    )
    book = FindingBook(entry.findings, entry.dossier_code, now)
    key = finding_key(record.event)
    if entry.in_step:
        book.record_healed(FindingType.REGRESSION, detail, key=key, action=FindingAction.NONE)
    else:
        book.raise_(FindingType.REGRESSION, detail, key=key)
    history = _bounded((*entry.history, record), settings)
    entry = entry.model_copy(update={"history": history, "findings": book.findings})
    return Decision(entry=entry, outcome=Outcome.REGRESSION, findings=book.changed)


def _bounded(history: tuple[StatusRecord, ...], settings: RuleSettings) -> tuple[StatusRecord, ...]:
    return history[-settings.max_history :]
