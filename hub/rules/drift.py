"""The drift check: which dossiers to look up on the portal, the lookup command, and what its answer means.

A dossier the portal acknowledged can still drift out of step: the portal's own operators, another writer or
a data repair may change or drop the record, and sync outcomes alone would never tell. So once the portal's
word on a dossier in step — its acknowledgement or the last lookup, whichever is later — is
``drift_check_interval`` old, the periodic check asks the portal connector to look the dossier up
(``PortalLookupRequested``), and the answer (``PortalLookupCompleted``) is compared with the province's status
by :func:`~hub.rules.reconcile.check_drift`.

* :func:`lookup_due` — whether one entry needs a lookup now;
* :func:`pick_for_lookup` — at most ``limit`` of the due entries, the longest unconfirmed first, so a round
  that cannot ask about every due dossier gets to the rest in the next rounds;
* :func:`request_lookup` — the command, and the entry recording when it went out: the dossier is not asked
  about again while the answer is on its way, or until ``drift_lookup_timeout`` if none comes (the connector
  publishes nothing for a lookup it could not make);
* :func:`apply_lookup_completed` — the answer: a repeat is recognised, an answer older than an
  acknowledgement the hub holds is stale (the sync it predates settled the question); the rest is
  :func:`~hub.rules.reconcile.check_drift`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections.abc import Iterable
from typing import Any

from contracts import Envelope, LookupReason, PortalLookupCompleted, PortalLookupRequested
from hub.rules.decisions import COMMAND_NAMESPACE, Decision, Outcome
from hub.rules.inbound import event_key, narrow
from hub.rules.ledger import LedgerEntry, first_sight
from hub.rules.reconcile import check_drift
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = ["apply_lookup_completed", "lookup_due", "pick_for_lookup", "request_lookup"]

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def lookup_due(
    entry: LedgerEntry, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS
) -> dt.datetime | None:
    """When the portal last vouched for the dossier, if a drift lookup is due now; None when it is not.

    Due: the hub believes the dossier in step, the portal's word on it (acknowledgement or last lookup) is at
    least ``drift_check_interval`` old, and no lookup is out that is younger than ``drift_lookup_timeout``.
    Dossiers out of step are the periodic reconcile's: it re-syncs them.
    """
    if not entry.in_step:
        return None
    portal = entry.portal
    asked = portal.lookup_requested_at
    unanswered = asked is not None and (portal.looked_up_at is None or portal.looked_up_at < asked)
    if unanswered and asked is not None and now - asked < settings.drift_lookup_timeout:
        return None
    vouched = max((t for t in (portal.acknowledged_at, portal.looked_up_at) if t is not None), default=_NEVER)
    return vouched if now - vouched >= settings.drift_check_interval else None


def pick_for_lookup(
    entries: Iterable[LedgerEntry],
    now: dt.datetime,
    *,
    limit: int,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> tuple[LedgerEntry, ...]:
    """At most ``limit`` of ``entries`` due for a lookup, the longest unconfirmed first (then by code).

    ``entries`` is read once, keeping no more than ``limit`` candidates at a time.
    """
    due = (
        (vouched, entry.dossier_code, entry)
        for entry in entries
        if (vouched := lookup_due(entry, now, settings=settings)) is not None
    )
    return tuple(entry for _, _, entry in heapq.nsmallest(limit, due, key=_order))


def _order(item: tuple[dt.datetime, str, LedgerEntry]) -> tuple[dt.datetime, str]:
    return item[0], item[1]


def request_lookup(
    entry: LedgerEntry,
    now: dt.datetime,
    *,
    reason: LookupReason = LookupReason.DRIFT,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> tuple[LedgerEntry, Envelope[PortalLookupRequested]]:
    """A command to look the dossier up, and the entry recording that it was requested at ``now``."""
    command = PortalLookupRequested(dossier_code=entry.dossier_code, reason=reason, requested_at=now)
    name = f"{entry.dossier_code}|lookup|{reason.value}|{now.isoformat()}"
    envelope = Envelope[PortalLookupRequested](
        id=str(uuid.uuid5(COMMAND_NAMESPACE, name)), source=settings.source, time=now, data=command
    )
    portal = entry.portal.model_copy(update={"lookup_requested_at": now})
    return entry.model_copy(update={"portal": portal}), envelope


def apply_lookup_completed(
    entry: LedgerEntry | None,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Compare what a lookup found on the portal with the province's status (:func:`check_drift`)."""
    data = narrow(envelope, PortalLookupCompleted).data
    current, first = first_sight(entry, event_key(envelope), data.dossier_code, settings)
    if not first:
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    acknowledged = current.portal.acknowledged_at
    if acknowledged is not None and data.looked_up_at < acknowledged:
        return Decision(entry=current, outcome=Outcome.STALE)
    return check_drift(current, data.status if data.found else None, now, settings=settings)
