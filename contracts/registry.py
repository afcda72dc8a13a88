"""The registry of event types: CloudEvents ``type`` string → data model, derived from the topic table."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from contracts.codes._problem import shown
from contracts.errors import UnknownEventTypeError
from contracts.events import EventData
from contracts.topics import TOPICS

__all__ = ["EVENT_TYPES", "event_class"]

EVENT_TYPES: Mapping[str, type[EventData]] = MappingProxyType(
    {event.event_type: event for topic in TOPICS for event in topic.events}
)
"""Every registered event type, in topic order."""


def event_class(event_type: str) -> type[EventData]:
    """The data model of ``event_type``; UnknownEventTypeError if none is registered."""
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventTypeError(
            f"unknown event type {shown(event_type)}; registered: {', '.join(EVENT_TYPES)}"
        ) from None
