"""A dossier's receiving agency code on its ledger entry: routing its online submission, and the findings.

* An online submission (:func:`route_submission`) is delivered to its resolved agency, parked when its code
  is unknown (finding ``unknown_agency_code``, action park), or dead-lettered on a successor cycle. A
  submission of a dossier that already has one parked waits behind it. When the lot later lets an item out,
  :func:`record_released` or :func:`record_dead_lettered` brings the entry up to date. A routed submission
  goes to the province as :func:`routed_submission` (a ``SubmissionRouted`` event with a derived id).
* A dead-lettered submission that comes back (an operator's replay: same ``(source, id)``) is routed again
  — delivered if its code is known by now, else parked again — and :func:`record_discarded` records an
  operator's discard. Whenever the submission stops blocking, the dossier's held events are applied in order
  (:func:`~hub.rules.holding.release_held`) in the same decision.
* A province dossier (:func:`check_agency_code`) is never held back — the portal sync does not depend on the
  hub's registry — but its code is checked: closed → ``closed_agency_code``, recorded healed at once because
  the dossier is re-routed (counted, and routed, under the successor); unknown → ``unknown_agency_code``,
  open until an identity event issues the code and the check runs again.

Finding keys are the addressed agency code, so a submission and the province's later events about the same
code share one finding.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from contracts import Envelope, OnlineSubmissionReceived, PortalSyncRequested, SubmissionRouted
from hub.rules.decisions import COMMAND_NAMESPACE, Decision, Outcome
from hub.rules.findings import Finding, FindingAction, FindingBook, FindingState, FindingType
from hub.rules.holding import release_held
from hub.rules.inbound import event_key
from hub.rules.ledger import LedgerEntry, SubmissionRecord, SubmissionState, new_entry
from hub.rules.parking import DeadLetterCause, ParkedItem, ParkingLot, park
from hub.rules.payments import settle_payments
from hub.rules.raw import RawRecord
from hub.rules.registry import Cycle, Resolved, RoutingTable, resolve
from hub.rules.routing import Deliver, Park, Route, route
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = [
    "SubmissionDecision",
    "check_agency_code",
    "record_dead_lettered",
    "record_discarded",
    "record_released",
    "route_submission",
    "routed_submission",
]


@dataclass(frozen=True, slots=True)
class SubmissionDecision:
    """The entry and the lot after an online submission, and where it goes (None for a duplicate)."""

    entry: LedgerEntry
    lot: ParkingLot
    outcome: Outcome
    route: Route | None = None
    findings: tuple[Finding, ...] = ()
    commands: tuple[Envelope[PortalSyncRequested], ...] = ()
    """Sync commands of held events applied because the submission stopped blocking."""
    replayed: bool = False
    """The submission had been dead-lettered and came back (an operator's replay)."""


def _chain(codes: tuple[str, ...]) -> str:
    return " -> ".join(codes)


def _rerouted(book: FindingBook, addressed: str, target: str, followed: tuple[str, ...]) -> None:
    book.heal(FindingType.UNKNOWN_AGENCY_CODE, addressed)
    if followed:
        book.record_healed(
            FindingType.CLOSED_AGENCY_CODE,
            f"addressed to closed code {addressed}; re-routed to its successor {target} "
            f"({_chain((*followed, target))})",
            key=addressed,
            action=FindingAction.REROUTE,
        )


def route_submission(
    entry: LedgerEntry | None,
    lot: ParkingLot,
    table: RoutingTable,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    raw: RawRecord | None = None,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> SubmissionDecision:
    """Decide where a citizen's online submission (read as ``raw``) goes, and record it on the dossier's
    entry."""
    data = envelope.data
    if not isinstance(data, OnlineSubmissionReceived):
        raise TypeError(f"expected OnlineSubmissionReceived data, got {type(data).__name__}")
    current = entry if entry is not None else new_entry(data.dossier_code)
    key = event_key(envelope)
    replayed = _is_replay(current, key) and not lot.contains(key)
    if not replayed and (current.has_applied(key) or lot.contains(key)):
        return SubmissionDecision(entry=current, lot=lot, outcome=Outcome.DUPLICATE)
    generation = 0
    if replayed and current.submission is not None:
        generation = current.submission.dead_letters
        lot = lot.with_letters(dropped=key)
    else:
        current = current.remember(key, settings)
    addressed = data.dossier.receiving_agency_code
    record = SubmissionRecord(
        event=key,
        portal_cursor=data.portal_cursor,
        submitted_at=data.submitted_at,
        addressed_code=addressed,
        dossier=data.dossier,
        dead_letters=generation,
    )
    decided: Route = (
        Park(waiting_for="", until=now + settings.park_grace, behind_earlier=True)
        if lot.holds(data.dossier_code)
        else route(table, addressed, now, settings=settings)
    )
    book = FindingBook(current.findings, current.dossier_code, now)
    if isinstance(decided, Deliver):
        record = record.model_copy(
            update={
                "state": SubmissionState.ROUTED,
                "routed_to": decided.target_code,
                "followed_from": decided.followed_from,
                "routed_at": now,
            }
        )
        _rerouted(book, addressed, decided.target_code, decided.followed_from)
    elif isinstance(decided, Park):
        lot, item = park(
            lot, envelope, decided.waiting_for, now, raw=raw, generation=generation, settings=settings
        )
        record = record.model_copy(update={"state": SubmissionState.PARKED})
        if not decided.behind_earlier:
            book.raise_(
                FindingType.UNKNOWN_AGENCY_CODE,
                f"submission addressed to {addressed}: code {decided.waiting_for} is not issued; parked "
                f"until {item.expires_at.isoformat()}",
                key=addressed,
                action=FindingAction.PARK,
            )
    else:
        record = record.model_copy(update={"state": SubmissionState.DEAD_LETTERED})
        book.raise_(
            FindingType.SUCCESSOR_CYCLE,
            f"submission addressed to {addressed}: {decided.reason}; dead-lettered",
            key=addressed,
            state=FindingState.NEEDS_OPERATOR,
            action=FindingAction.DEAD_LETTER,
        )
    current = current.model_copy(update={"submission": record, "findings": book.findings})
    current, settled = settle_payments(current, now)
    released = release_held(current, now, settings=settings)
    changed = {(f.type, f.key): f for f in (*book.changed, *settled, *released.findings)}
    return SubmissionDecision(
        entry=released.entry,
        lot=lot,
        outcome=Outcome.APPLIED,
        route=decided,
        findings=tuple(changed.values()),
        commands=released.commands,
        replayed=replayed,
    )


def _is_replay(entry: LedgerEntry, key: tuple[str, str]) -> bool:
    """``key`` is the dossier's submission, whose dead letter was written (and maybe discarded), now back."""
    record = entry.submission
    return (
        record is not None
        and record.event == key
        and record.dead_letter is not None
        and record.state in (SubmissionState.DEAD_LETTERED, SubmissionState.DISCARDED)
    )


def _submission(entry: LedgerEntry, item: ParkedItem) -> SubmissionRecord:
    if entry.submission is not None and entry.submission.event == item.key:
        return entry.submission
    data = item.envelope.data
    return SubmissionRecord(
        event=item.key,
        portal_cursor=data.portal_cursor,
        submitted_at=data.submitted_at,
        addressed_code=item.addressed_code,
        dossier=data.dossier,
    )


def record_released(
    entry: LedgerEntry,
    item: ParkedItem,
    delivered: Deliver,
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """The entry after its parked submission was let out of the lot towards ``delivered``, and the events held
    behind it applied."""
    record = _submission(entry, item).model_copy(
        update={
            "state": SubmissionState.ROUTED,
            "routed_to": delivered.target_code,
            "followed_from": delivered.followed_from,
            "routed_at": now,
        }
    )
    book = FindingBook(entry.findings, entry.dossier_code, now)
    _rerouted(book, item.addressed_code, delivered.target_code, delivered.followed_from)
    entry = entry.model_copy(update={"submission": record, "findings": book.findings})
    return _then_release(entry, book.changed, now, settings)


def _then_release(
    entry: LedgerEntry, changed: tuple[Finding, ...], now: dt.datetime, settings: RuleSettings
) -> Decision:
    released = release_held(entry, now, settings=settings)
    findings = {(f.type, f.key): f for f in (*changed, *released.findings)}
    return Decision(
        entry=released.entry,
        outcome=Outcome.APPLIED,
        commands=released.commands,
        findings=tuple(findings.values()),
    )


def record_dead_lettered(
    entry: LedgerEntry,
    item: ParkedItem,
    reason: DeadLetterCause | str,
    now: dt.datetime,
    *,
    letter: str | None = None,
) -> Decision:
    """The entry after its parked submission was dead-lettered (at ``letter``): an operator has to act."""
    record = _submission(entry, item).model_copy(
        update={
            "state": SubmissionState.DEAD_LETTERED,
            "dead_letters": item.generation + 1,
            "dead_letter": letter,
        }
    )
    book = FindingBook(entry.findings, entry.dossier_code, now)
    book.raise_(
        FindingType.UNKNOWN_AGENCY_CODE,
        f"submission addressed to {item.addressed_code} dead-lettered: {reason}",
        key=item.addressed_code,
        state=FindingState.NEEDS_OPERATOR,
        action=FindingAction.DEAD_LETTER,
    )
    entry = entry.model_copy(update={"submission": record, "findings": book.findings})
    return Decision(entry=entry, outcome=Outcome.APPLIED, findings=book.changed)


def record_discarded(
    entry: LedgerEntry, event_id: str, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS
) -> Decision:
    """The entry after an operator discarded the dead letter of its submission (``ce_id`` ``event_id``): the
    operator's finding is settled and the held events are applied. Anything else changes nothing."""
    record = entry.submission
    if record is None or record.event[1] != event_id or record.state is not SubmissionState.DEAD_LETTERED:
        return Decision(entry=entry, outcome=Outcome.DUPLICATE)
    book = FindingBook(entry.findings, entry.dossier_code, now)
    book.heal(FindingType.UNKNOWN_AGENCY_CODE, record.addressed_code)
    book.heal(FindingType.SUCCESSOR_CYCLE, record.addressed_code)
    discarded = record.model_copy(update={"state": SubmissionState.DISCARDED})
    entry = entry.model_copy(update={"submission": discarded, "findings": book.findings})
    return _then_release(entry, book.changed, now, settings)


def check_agency_code(entry: LedgerEntry, table: RoutingTable, now: dt.datetime) -> Decision:
    """Findings about the province snapshot's receiving agency code (nothing without a province snapshot)."""
    if entry.province is None:
        return Decision(entry=entry, outcome=Outcome.CHECKED)
    code = entry.province.snapshot.receiving_agency_code
    resolution = resolve(table, code)
    book = FindingBook(entry.findings, entry.dossier_code, now)
    if isinstance(resolution, Resolved):
        _rerouted(book, code, resolution.code, resolution.followed_from)
    elif isinstance(resolution, Cycle):
        book.raise_(
            FindingType.SUCCESSOR_CYCLE,
            f"addressed to {code}: successor cycle {_chain(resolution.chain)}",
            key=code,
            state=FindingState.NEEDS_OPERATOR,
            action=FindingAction.OPERATOR,
        )
    else:
        book.raise_(
            FindingType.UNKNOWN_AGENCY_CODE,
            f"addressed to {code}: code {resolution.code} is not issued; synced to the portal all the same, "
            f"counted under {resolution.code} until it is known",
            key=code,
        )
    entry = entry.model_copy(update={"findings": book.findings})
    return Decision(entry=entry, outcome=Outcome.CHECKED, findings=book.changed)


def routed_submission(
    record: SubmissionRecord, settings: RuleSettings = DEFAULT_SETTINGS
) -> Envelope[SubmissionRouted]:
    """The event telling the receiving province about a routed submission.

    Its id derives from the submission's own event key, so the same routing published twice (a relay retry, a
    re-decided release) carries the same ``ce_id`` and the province recognises the repeat.
    """
    if record.state is not SubmissionState.ROUTED or record.routed_to is None or record.routed_at is None:
        raise ValueError(f"submission of {record.dossier.dossier_code} is {record.state.value}, not routed")
    data = SubmissionRouted(
        dossier_code=record.dossier.dossier_code,
        receiving_agency_code=record.routed_to,
        addressed_code=record.addressed_code,
        followed_from=record.followed_from,
        portal_cursor=record.portal_cursor,
        submitted_at=record.submitted_at,
        routed_at=record.routed_at,
        dossier=record.dossier,
    )
    name = "routed|{}|{}".format(*record.event)
    return Envelope[SubmissionRouted](
        id=str(uuid.uuid5(COMMAND_NAMESPACE, name)), source=settings.source, time=record.routed_at, data=data
    )
