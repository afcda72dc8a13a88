"""The parking lot: online submissions addressed to agency codes the routing table does not know yet.

An item waits for its code to be issued (or closed towards a known successor) until ``expires_at`` — the
``park_grace`` after it was parked — and is then dead-lettered as permanent. A dossier's items leave in the
order they came: an item whose own code resolves still waits behind an earlier item of the same dossier
(``waiting_for`` is then empty), and when an item is dead-lettered the items behind it go with it, so the
dead-letter topic keeps the dossier's order for a replay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts import Envelope, OnlineSubmissionReceived
from hub.rules._model import RuleModel
from hub.rules.inbound import EventKey, event_key
from hub.rules.registry import Cycle, Resolved, RoutingTable, resolve
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = ["LotChange", "ParkedItem", "ParkingLot", "expire_parked", "park", "release_parked"]


class ParkedItem(RuleModel):
    """One parked submission, byte-for-byte re-drivable from its envelope."""

    envelope: Envelope[OnlineSubmissionReceived]
    addressed_code: str
    waiting_for: str
    """The unknown code its successor chain reached; empty when it only waits behind an earlier item."""
    parked_at: dt.datetime
    expires_at: dt.datetime

    @property
    def key(self) -> EventKey:
        return event_key(self.envelope)

    @property
    def dossier_code(self) -> str:
        return self.envelope.data.dossier_code


class ParkingLot(RuleModel):
    """Parked items, oldest first."""

    items: tuple[ParkedItem, ...] = ()

    def holds(self, dossier_code: str) -> bool:
        """Whether an earlier item of this dossier is parked (so a new one must wait behind it)."""
        return any(item.dossier_code == dossier_code for item in self.items)

    def contains(self, key: EventKey) -> bool:
        return any(item.key == key for item in self.items)


@dataclass(frozen=True, slots=True)
class LotChange:
    """The lot after a release or expiry pass, and what left it."""

    lot: ParkingLot
    released: tuple[tuple[ParkedItem, Resolved], ...] = ()
    dead_lettered: tuple[tuple[ParkedItem, str], ...] = ()
    """Each with the reason, for the dead letter's error headers."""


def park(
    lot: ParkingLot,
    envelope: Envelope[OnlineSubmissionReceived],
    waiting_for: str,
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> tuple[ParkingLot, ParkedItem]:
    """The lot with the submission parked at its end (a re-delivered submission is parked only once)."""
    item = ParkedItem(
        envelope=envelope,
        addressed_code=envelope.data.dossier.receiving_agency_code,
        waiting_for=waiting_for,
        parked_at=now,
        expires_at=now + settings.park_grace,
    )
    existing = next((i for i in lot.items if i.key == item.key), None)
    if existing is not None:
        return lot, existing
    return ParkingLot(items=(*lot.items, item)), item


def release_parked(lot: ParkingLot, table: RoutingTable) -> LotChange:
    """Release, dossier by dossier and in order, the items whose codes now resolve to an active code.

    An item whose chain now ends in a cycle is dead-lettered with the items behind it: closed codes are
    never reopened, so no later decision can route it.
    """
    kept: list[ParkedItem] = []
    released: list[tuple[ParkedItem, Resolved]] = []
    dead: list[tuple[ParkedItem, str]] = []
    # dossier code -> why its later items cannot leave: "" while an earlier one waits, else why it died
    blocked: dict[str, str] = {}
    for item in lot.items:
        reason = blocked.get(item.dossier_code)
        if reason:
            dead.append((item, reason))
            continue
        if reason is not None:
            kept.append(item)
            continue
        resolution = resolve(table, item.addressed_code)
        if isinstance(resolution, Resolved):
            released.append((item, resolution))
        elif isinstance(resolution, Cycle):
            reason = f"successor cycle {' -> '.join(resolution.chain)}"
            dead.append((item, reason))
            blocked[item.dossier_code] = f"an earlier submission of the dossier was dead-lettered ({reason})"
        else:
            kept.append(item.model_copy(update={"waiting_for": resolution.code}))
            blocked[item.dossier_code] = ""
    return LotChange(lot=ParkingLot(items=tuple(kept)), released=tuple(released), dead_lettered=tuple(dead))


def expire_parked(lot: ParkingLot, now: dt.datetime) -> LotChange:
    """Dead-letter the items past their grace period, and the items of the same dossiers behind them."""
    kept: list[ParkedItem] = []
    dead: list[tuple[ParkedItem, str]] = []
    expired: set[str] = set()
    for item in lot.items:
        if item.dossier_code in expired:
            dead.append(
                (item, "an earlier submission of the dossier was dead-lettered (code not issued in time)")
            )
        elif item.expires_at <= now:
            waited = item.waiting_for or item.addressed_code
            dead.append((item, f"agency code {waited} still unknown at {item.expires_at.isoformat()}"))
            expired.add(item.dossier_code)
        else:
            kept.append(item)
    return LotChange(lot=ParkingLot(items=tuple(kept)), dead_lettered=tuple(dead))
