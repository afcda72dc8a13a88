"""Routing decisions: where an item addressed to an agency code goes, and what an identity event releases.

The table and code resolution live in :mod:`hub.rules.registry` (re-exported here); the parking lot in
:mod:`hub.rules.parking`. This module turns a resolution into a :class:`Route`:

* :class:`Deliver` — to the one-stop system of the province of the resolved active code, with the closed
  codes followed on the way (``followed_from``; empty when the addressed code is active);
* :class:`Park` — the chain reached a code the table does not know: wait for it until ``until``;
* :class:`DeadLetter` — permanent: a successor cycle, or a parked item's grace period ran out.

:func:`on_identity_event` applies a registry decision to the table, then lets out of the lot what the new
table routes (and dead-letters what it proves unroutable). A refused decision changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from contracts import Envelope
from contracts.events import AgencyCodeClosed, AgencyCodeEvent
from hub.rules.decisions import Outcome
from hub.rules.findings import Finding, FindingAction, FindingBook, FindingState, FindingType
from hub.rules.parking import DeadLetterCause, ParkedItem, ParkingLot, release_parked
from hub.rules.registry import (
    CodeRecord,
    CodeState,
    Cycle,
    Resolution,
    Resolved,
    RoutingTable,
    Unknown,
    apply_identity_event,
    province_of,
    resolve,
)
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = [
    "CodeRecord",
    "CodeState",
    "Cycle",
    "DeadLetter",
    "Deliver",
    "IdentityDecision",
    "Park",
    "Resolution",
    "Resolved",
    "Route",
    "RoutingTable",
    "Unknown",
    "deliver",
    "on_identity_event",
    "resolve",
    "route",
]


@dataclass(frozen=True, slots=True)
class Deliver:
    """Send to the receiving agency's province system."""

    target_code: str
    province: str
    """The level-1 code (``H14``) of the target: which province's one-stop system receives it."""
    followed_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Park:
    """Hold until ``waiting_for`` is issued, at most until ``until``."""

    waiting_for: str
    until: dt.datetime
    behind_earlier: bool = False
    """Held only to keep the dossier's order behind an earlier parked item."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: str


Route = Deliver | Park | DeadLetter


def deliver(resolution: Resolved) -> Deliver:
    return Deliver(
        target_code=resolution.code,
        province=province_of(resolution.code),
        followed_from=resolution.followed_from,
    )


def route(
    table: RoutingTable, code: str, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS
) -> Route:
    """Where an item addressed to ``code`` goes now."""
    resolution = resolve(table, code)
    if isinstance(resolution, Resolved):
        return deliver(resolution)
    if isinstance(resolution, Unknown):
        return Park(waiting_for=resolution.code, until=now + settings.park_grace)
    return DeadLetter(reason=f"successor cycle {' -> '.join(resolution.chain)}")


@dataclass(frozen=True, slots=True)
class IdentityDecision:
    """The table and the lot after one identity event."""

    table: RoutingTable
    lot: ParkingLot
    outcome: Outcome
    released: tuple[tuple[ParkedItem, Deliver], ...] = ()
    dead_lettered: tuple[tuple[ParkedItem, DeadLetterCause], ...] = ()
    findings: tuple[Finding, ...] = ()
    """Registry findings, subject = the agency code (a successor cycle)."""
    refusal: str | None = None


def on_identity_event(
    table: RoutingTable, parked: ParkingLot, envelope: Envelope[Any], now: dt.datetime
) -> IdentityDecision:
    """Apply a registry decision; release the parked items it makes routable."""
    event = envelope.data
    if not isinstance(event, AgencyCodeEvent):
        raise TypeError(f"expected an identity event, got {type(event).__name__}")
    change = apply_identity_event(table, event)
    if change.refusal is not None:
        return IdentityDecision(table=table, lot=parked, outcome=Outcome.REFUSED, refusal=change.refusal)
    if not change.changed:
        return IdentityDecision(table=table, lot=parked, outcome=Outcome.DUPLICATE)
    findings: tuple[Finding, ...] = ()
    if isinstance(event, AgencyCodeClosed):
        resolution = resolve(change.table, event.code)
        if isinstance(resolution, Cycle):
            book = FindingBook((), event.code, now)
            book.raise_(
                FindingType.SUCCESSOR_CYCLE,
                f"closing {event.code} towards {event.successor_code} makes a successor cycle: "
                f"{' -> '.join(resolution.chain)}",
                state=FindingState.NEEDS_OPERATOR,
                action=FindingAction.OPERATOR,
            )
            findings = book.changed
    lot = release_parked(parked, change.table)
    return IdentityDecision(
        table=change.table,
        lot=lot.lot,
        outcome=Outcome.APPLIED,
        released=tuple((item, deliver(resolved)) for item, resolved in lot.released),
        dead_lettered=lot.dead_lettered,
        findings=findings,
    )
