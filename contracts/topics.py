"""The Kafka topics the contracts travel on, as data: which event types each carries and what its key is.

Every registered event type lives on exactly one topic. The key of every record is the event's business key
(:attr:`contracts.events.EventData.business_key`): the dossier code on the dossier and payment topics — so a
dossier's lifecycle and its payments share a partition and keep their order — and the agency code on the
identity topic. Dead-letter and retry topics belong to the hub, not to the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.events import (
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeIssued,
    DossierStatusChanged,
    EventData,
    OnlineSubmissionReceived,
    PaymentFailed,
    PaymentInitiated,
    PaymentPending,
    PaymentRefunded,
    PaymentSucceeded,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncCompleted,
    PortalSyncFailed,
    PortalSyncRequested,
    SubmissionRouted,
)

__all__ = [
    "DOSSIER_TOPIC",
    "IDENTITY_TOPIC",
    "PAYMENT_TOPIC",
    "PORTAL_COMMAND_TOPIC",
    "PORTAL_OUTCOME_TOPIC",
    "ROUTED_SUBMISSION_TOPIC",
    "SUBMISSION_TOPIC",
    "TOPICS",
    "Topic",
    "topic_for",
]


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic: its name, what its records' key is, the event types it carries."""

    name: str
    key: str
    events: tuple[type[EventData], ...]
    description: str

    @property
    def event_types(self) -> tuple[str, ...]:
        """The CloudEvents types carried on the topic."""
        return tuple(event.event_type for event in self.events)


DOSSIER_TOPIC = Topic(
    name="lienthong.dossier.events.v1",
    key="dossier code",
    events=(DossierStatusChanged,),
    description="Dossier lifecycle snapshots from the provincial one-stop systems and the national portal.",
)
IDENTITY_TOPIC = Topic(
    name="lienthong.identity.events.v1",
    key="agency code",
    events=(AgencyCodeIssued, AgencyCodeAmended, AgencyCodeClosed),
    description="Agency identity codes issued, amended and closed by registry decisions.",
)
PAYMENT_TOPIC = Topic(
    name="lienthong.payment.events.v1",
    key="dossier code",
    events=(PaymentInitiated, PaymentPending, PaymentSucceeded, PaymentFailed, PaymentRefunded),
    description="Online payments from the national payment platform, keyed by dossier code.",
)

PORTAL_COMMAND_TOPIC = Topic(
    name="lienthong.portal.commands.v1",
    key="dossier code",
    events=(PortalSyncRequested, PortalLookupRequested),
    description=(
        "The hub's commands to the portal connector: make the national portal hold this snapshot, or look "
        "the dossier up there."
    ),
)
PORTAL_OUTCOME_TOPIC = Topic(
    name="lienthong.portal.outcomes.v1",
    key="dossier code",
    events=(PortalSyncCompleted, PortalSyncFailed, PortalLookupCompleted),
    description=(
        "What the national portal acknowledged for each sync command, or why it could not; what a lookup "
        "found there."
    ),
)
SUBMISSION_TOPIC = Topic(
    name="lienthong.portal.submissions.v1",
    key="dossier code",
    events=(OnlineSubmissionReceived,),
    description="Citizens' dossiers filed online on the national portal, for the receiving province.",
)
ROUTED_SUBMISSION_TOPIC = Topic(
    name="lienthong.province.submissions.v1",
    key="dossier code",
    events=(SubmissionRouted,),
    description="Online submissions the hub routed to their receiving agency, for the province's system.",
)

TOPICS: tuple[Topic, ...] = (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    SUBMISSION_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
)

_BY_TYPE = {event.event_type: topic for topic in TOPICS for event in topic.events}


def topic_for(event: str | type[EventData] | EventData) -> Topic:
    """The topic an event type (given by type string, class or instance) is published on.

    Raises ``KeyError`` for an unregistered type.
    """
    event_type = event if isinstance(event, str) else event.event_type
    return _BY_TYPE[event_type]
