"""Admission: which events the province connector lets onto the topics, and the checks each one passes.

Provincial one-stop systems own one thing in lienthong: the lifecycle of the dossiers they receive and
process. So the way in for them takes **dossier events** (``DossierStatusChanged``, every status; status 1
covers dossiers filed online on the province's own portal) and refuses the rest with a reason saying where
those come from:

* payment events come from the payment connector, which verifies the platform's signed callbacks — taking them
  unsigned from a province would bypass that check;
* agency-code events come from the identity connector (registry decisions);
* online submissions and portal sync commands/outcomes are the portal connector's and the hub's.

Each event is validated as the contracts say (:func:`contracts.structured.from_structured`), then admitted by
type; within one request, two events with the same ``source`` and ``id`` are refused (CloudEvents makes that
pair unique, and consumers deduplicate by it, so the second would silently vanish).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.errors import EventRefusedError
from contracts import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
    SUBMISSION_TOPIC,
    ContractError,
    DossierStatusChanged,
    Envelope,
    EventData,
    Topic,
    topic_for,
)
from contracts.structured import from_structured

__all__ = ["ACCEPTED_EVENT_TYPES", "Rejection", "admit", "admit_batch", "admit_event", "shown_id"]

ACCEPTED_EVENT_TYPES: tuple[str, ...] = (DossierStatusChanged.event_type,)
"""The CloudEvents types provincial systems may publish."""

_ELSEWHERE: Mapping[Topic, str] = {
    PAYMENT_TOPIC: "payment events come from the payment connector, which verifies the platform's callbacks",
    IDENTITY_TOPIC: "agency-code events come from the identity connector (registry decisions)",
    SUBMISSION_TOPIC: "online submissions come from the portal connector",
    PORTAL_COMMAND_TOPIC: "portal sync and lookup commands are issued by the hub",
    PORTAL_OUTCOME_TOPIC: "portal sync and lookup outcomes come from the portal connector",
    ROUTED_SUBMISSION_TOPIC: "routed submissions are published by the hub, for the province to receive",
}
assert DOSSIER_TOPIC not in _ELSEWHERE
_MAX_SHOWN_ID = 128


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one event of a request or file was refused: its position, its id (when readable) and the reason."""

    index: int
    id: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "reason": self.reason}


def shown_id(event: Any) -> str | None:
    """The ``id`` attribute of a raw event, to echo back to its sender, or None when there is none usable."""
    value = event.get("id") if isinstance(event, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= _MAX_SHOWN_ID else None


def admit(envelope: Envelope[EventData]) -> Envelope[EventData]:
    """``envelope`` itself when its type is one provincial systems publish; EventRefusedError otherwise."""
    if envelope.type in ACCEPTED_EVENT_TYPES:
        return envelope
    why = _ELSEWHERE.get(topic_for(envelope.type), "it is not a provincial event")
    raise EventRefusedError(
        f"event type {envelope.type} is not accepted from provincial systems: {why}; "
        f"accepted: {', '.join(ACCEPTED_EVENT_TYPES)}"
    )


def admit_event(event: Any) -> Envelope[EventData]:
    """Validate a raw structured-mode event and admit it; ContractError or EventRefusedError otherwise."""
    return admit(from_structured(event))


def admit_batch(events: Sequence[Any]) -> tuple[list[Envelope[EventData]], list[Rejection]]:
    """Validate and admit every event of one request: the envelopes, or why each refused one was refused.

    All are checked (not just up to the first failure), so a sender fixes everything in one round.
    """
    envelopes: list[Envelope[EventData]] = []
    rejections: list[Rejection] = []
    first_seen: dict[tuple[str, str], int] = {}
    for index, event in enumerate(events):
        try:
            envelope = admit_event(event)
        except (ContractError, EventRefusedError) as exc:
            rejections.append(Rejection(index, shown_id(event), str(exc)))
            continue
        identity = (envelope.source, envelope.id)
        if identity in first_seen:
            reason = f"source and id repeat those of event {first_seen[identity]} of this request"
            rejections.append(Rejection(index, envelope.id, reason))
            continue
        first_seen[identity] = index
        envelopes.append(envelope)
    return envelopes, rejections
