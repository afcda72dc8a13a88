"""The parking lot: online submissions addressed to agency codes the routing table does not know yet.

An item waits for its code to be issued (or closed towards a known successor) until ``expires_at`` — the
``park_grace`` after it was parked — and is then dead-lettered as permanent. A dossier's items leave in the
order they came: an item whose own code resolves still waits behind an earlier item of the same dossier
(``waiting_for`` is then empty), and when an item is dead-lettered the items behind it go with it, so the
dead-letter topic keeps the dossier's order for a replay.

Each item keeps the record it came in (:class:`~hub.rules.raw.RawRecord`), so its dead letter is the
original bytes; each dead letter leaves with a :class:`DeadLetterCause` — a stable reason code
(``unknown_agency_code``, ``successor_cycle``, ``held_behind_dead_letter``) and a reason that names codes,
never people. The lot also
remembers the dead letters written for its items (:class:`LetterRef`) until they are replayed or discarded,
so that an operator's discard, which names the dead letter's event, finds the dossier it releases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts import Envelope, OnlineSubmissionReceived
from hub.rules._model import RuleModel
from hub.rules.inbound import EventKey, event_key
from hub.rules.raw import RawRecord
from hub.rules.registry import Cycle, Resolved, RoutingTable, resolve
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = [
    "HELD_BEHIND_DEAD_LETTER",
    "SUCCESSOR_CYCLE",
    "UNKNOWN_AGENCY_CODE",
    "DeadLetterCause",
    "LetterRef",
    "LotChange",
    "ParkedItem",
    "ParkingLot",
    "expire_parked",
    "park",
    "release_parked",
]

UNKNOWN_AGENCY_CODE = "unknown_agency_code"
SUCCESSOR_CYCLE = "successor_cycle"
HELD_BEHIND_DEAD_LETTER = "held_behind_dead_letter"
_ERROR_CLASSES = {
    UNKNOWN_AGENCY_CODE: "UnknownAgencyCode",
    SUCCESSOR_CYCLE: "SuccessorCycle",
    HELD_BEHIND_DEAD_LETTER: "HeldBehindDeadLetter",
}


@dataclass(frozen=True, slots=True)
class DeadLetterCause:
    """Why a parked item was dead-lettered: a stable code and a reason naming codes only."""

    code: str
    reason: str

    @property
    def error_class(self) -> str:
        return _ERROR_CLASSES.get(self.code, "Parked")

    def __str__(self) -> str:
        return self.reason


class ParkedItem(RuleModel):
    """One parked submission, byte-for-byte re-drivable from its envelope."""

    envelope: Envelope[OnlineSubmissionReceived]
    addressed_code: str
    waiting_for: str
    """The unknown code its successor chain reached; empty when it only waits behind an earlier item."""
    parked_at: dt.datetime
    expires_at: dt.datetime
    raw: RawRecord | None = None
    """The record it came in, for a byte-for-byte dead letter (absent on items parked before it was kept)."""
    generation: int = 0
    """How many times the submission was dead-lettered before it was parked this time (a replay parks it
    again when its code is still unknown)."""

    @property
    def key(self) -> EventKey:
        return event_key(self.envelope)

    @property
    def dossier_code(self) -> str:
        return self.envelope.data.dossier_code


class LetterRef(RuleModel):
    """A dead letter written for a parked item, not yet replayed or discarded."""

    event: EventKey
    dossier_code: str
    letter: str
    """``TOPIC:PARTITION:OFFSET`` of the dead letter."""


class ParkingLot(RuleModel):
    """Parked items, oldest first, and the dead letters written for items that left."""

    items: tuple[ParkedItem, ...] = ()
    letters: tuple[LetterRef, ...] = ()

    def letter_of(self, event_id: str) -> LetterRef | None:
        """The outstanding dead letter of the submission whose ``ce_id`` is ``event_id``."""
        return next((ref for ref in self.letters if ref.event[1] == event_id), None)

    def with_letters(
        self, added: tuple[LetterRef, ...] = (), *, dropped: EventKey | None = None
    ) -> ParkingLot:
        """The lot with ``added`` remembered (one per event) and the dead letter of ``dropped`` forgotten."""
        fresh = {ref.event for ref in added}
        kept = tuple(ref for ref in self.letters if ref.event != dropped and ref.event not in fresh)
        return self.model_copy(update={"letters": (*kept, *added)})

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
    dead_lettered: tuple[tuple[ParkedItem, DeadLetterCause], ...] = ()
    """Each with its cause, for the dead letter's context headers."""


def park(
    lot: ParkingLot,
    envelope: Envelope[OnlineSubmissionReceived],
    waiting_for: str,
    now: dt.datetime,
    *,
    raw: RawRecord | None = None,
    generation: int = 0,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> tuple[ParkingLot, ParkedItem]:
    """The lot with the submission parked at its end (a re-delivered submission is parked only once)."""
    item = ParkedItem(
        envelope=envelope,
        addressed_code=envelope.data.dossier.receiving_agency_code,
        waiting_for=waiting_for,
        parked_at=now,
        expires_at=now + settings.park_grace,
        raw=raw,
        generation=generation,
    )
    existing = next((i for i in lot.items if i.key == item.key), None)
    if existing is not None:
        return lot, existing
    return lot.model_copy(update={"items": (*lot.items, item)}), item


def _behind(cause: DeadLetterCause) -> DeadLetterCause:
    return DeadLetterCause(
        HELD_BEHIND_DEAD_LETTER, f"an earlier submission of the dossier was dead-lettered ({cause.reason})"
    )


def release_parked(lot: ParkingLot, table: RoutingTable) -> LotChange:
    """Release, dossier by dossier and in order, the items whose codes now resolve to an active code.

    An item whose chain now ends in a cycle is dead-lettered with the items behind it: closed codes are
    never reopened, so no later decision can route it.
    """
    kept: list[ParkedItem] = []
    released: list[tuple[ParkedItem, Resolved]] = []
    dead: list[tuple[ParkedItem, DeadLetterCause]] = []
    # dossier code -> why its later items cannot leave: None while an earlier one waits, else why it died
    blocked: dict[str, DeadLetterCause | None] = {}
    for item in lot.items:
        if item.dossier_code in blocked:
            cause = blocked[item.dossier_code]
            if cause is None:
                kept.append(item)
            else:
                dead.append((item, _behind(cause)))
            continue
        resolution = resolve(table, item.addressed_code)
        if isinstance(resolution, Resolved):
            released.append((item, resolution))
        elif isinstance(resolution, Cycle):
            cause = DeadLetterCause(SUCCESSOR_CYCLE, f"successor cycle {' -> '.join(resolution.chain)}")
            dead.append((item, cause))
            blocked[item.dossier_code] = cause
        else:
            kept.append(item.model_copy(update={"waiting_for": resolution.code}))
            blocked[item.dossier_code] = None
    return LotChange(
        lot=lot.model_copy(update={"items": tuple(kept)}), released=tuple(released), dead_lettered=tuple(dead)
    )


def expire_parked(lot: ParkingLot, now: dt.datetime) -> LotChange:
    """Dead-letter the items past their grace period, and the items of the same dossiers behind them."""
    kept: list[ParkedItem] = []
    dead: list[tuple[ParkedItem, DeadLetterCause]] = []
    expired: dict[str, DeadLetterCause] = {}
    for item in lot.items:
        if item.dossier_code in expired:
            dead.append((item, _behind(expired[item.dossier_code])))
        elif item.expires_at <= now:
            waited = item.waiting_for or item.addressed_code
            cause = DeadLetterCause(
                UNKNOWN_AGENCY_CODE, f"agency code {waited} still unknown at {item.expires_at.isoformat()}"
            )
            dead.append((item, cause))
            expired[item.dossier_code] = cause
        else:
            kept.append(item)
    return LotChange(lot=lot.model_copy(update={"items": tuple(kept)}), dead_lettered=tuple(dead))
