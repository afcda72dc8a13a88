"""Hold-behind: a dossier's later events wait while its online submission is parked or dead-lettered.

While the submission blocks (:attr:`~hub.rules.ledger.LedgerEntry.blocked`), a province dossier event or a
payment event of the dossier is not applied: :func:`hold_event` keeps its record in the entry's
:attr:`~hub.rules.ledger.LedgerEntry.held`, in arrival order, and nothing else changes — so it counts for
nothing in the indicators. Once the submission stops blocking (released because its code was issued, replayed
by an operator, or its dead letter discarded), :func:`release_held` applies the held events in that order
through the very rules that apply them on arrival, and empties the list in the same decision: the caller
writes it in one store transaction, so each held event takes effect exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from contracts import (
    DOSSIER_TOPIC,
    PAYMENT_TOPIC,
    ContractError,
    Envelope,
    EventData,
    PortalSyncRequested,
    decode,
)
from hub.rules.decisions import Decision, Outcome
from hub.rules.findings import Finding
from hub.rules.inbound import event_key
from hub.rules.ledger import HeldEvent, LedgerEntry
from hub.rules.lifecycle import apply_dossier_event
from hub.rules.payments import apply_payment
from hub.rules.raw import RawRecord
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = ["HOLDABLE_TOPICS", "hold_event", "release_held"]

_Rule = Callable[..., Decision]
_RULES: dict[str, _Rule] = {DOSSIER_TOPIC.name: apply_dossier_event, PAYMENT_TOPIC.name: apply_payment}
HOLDABLE_TOPICS: frozenset[str] = frozenset(_RULES)
"""The contract topics whose events wait behind a blocking submission."""


def hold_event(
    entry: LedgerEntry, topic: str, envelope: Envelope[Any], raw: RawRecord, now: dt.datetime
) -> Decision:
    """The entry with the event held at the end of its queue (a repeat is recognised, not held twice)."""
    if topic not in _RULES:
        raise ValueError(f"events of {topic} are not held")
    key = event_key(envelope)
    if entry.has_applied(key) or entry.holds(key):
        return Decision(entry=entry, outcome=Outcome.DUPLICATE)
    held = HeldEvent(topic=topic, event=key, raw=raw, held_at=now)
    return Decision(entry=entry.model_copy(update={"held": (*entry.held, held)}), outcome=Outcome.HELD)


def _envelope(held: HeldEvent) -> Envelope[EventData] | None:
    raw = held.raw
    try:
        return decode(raw.key, raw.value, raw.headers)
    except ContractError:  # it decoded when it was held; a record that no longer does is left out
        return None


def release_held(
    entry: LedgerEntry, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS
) -> Decision:
    """Apply the held events in arrival order (nothing while the entry still blocks).

    The decision's findings are those the events changed, each once (its latest state); its commands are all
    the events' commands in order.
    """
    if entry.blocked or not entry.held:
        return Decision(entry=entry, outcome=Outcome.DUPLICATE)
    current = entry.model_copy(update={"held": ()})
    commands: list[Envelope[PortalSyncRequested]] = []
    findings: dict[tuple[str, str], Finding] = {}
    for held in entry.held:
        envelope = _envelope(held)
        if envelope is None:
            continue
        decision = _RULES[held.topic](current, envelope, now, settings=settings)
        current = decision.entry
        commands.extend(decision.commands)
        findings.update({(f.type, f.key): f for f in decision.findings})
    return Decision(
        entry=current, outcome=Outcome.APPLIED, commands=tuple(commands), findings=tuple(findings.values())
    )
