"""What the rules need to know about an incoming event besides its data: its identity and a content digest.

CloudEvents makes ``(source, id)`` unique, so that pair — not the id alone — is the key for idempotence. The
digest recognises the same content re-sent under a new id (a connector that lost its outbox state).
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar, cast

from contracts import Envelope, EventData

__all__ = ["EventKey", "content_digest", "event_key", "narrow"]

EventKey = tuple[str, str]
"""``(source, id)`` of a CloudEvent."""

DataT = TypeVar("DataT", bound=EventData)


def event_key(envelope: Envelope[Any]) -> EventKey:
    """The idempotence key of ``envelope``."""
    return (envelope.source, envelope.id)


def content_digest(data: EventData) -> str:
    """SHA-256 of the data's canonical JSON: equal for equal content, whatever the envelope."""
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def narrow(envelope: Envelope[EventData], kind: type[DataT]) -> Envelope[DataT]:
    """``envelope`` typed by its data class, for a subscriber that decoded a generic envelope.

    Raises ``TypeError`` when the data is of another class, so a miswired topic fails loudly.
    """
    if not isinstance(envelope.data, kind):
        raise TypeError(f"expected {kind.__name__} data, got {type(envelope.data).__name__}")
    return cast("Envelope[DataT]", envelope)
