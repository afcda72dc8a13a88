"""The event contracts: pydantic v2 models, the CloudEvents envelope, code validators. No I/O library.

The names most code needs are re-exported here; each lives in a module of its own:

* :mod:`contracts.codes` — validated identifiers (agency, dossier, procedure, personal ID, enterprise code);
* :mod:`contracts.text`, :mod:`contracts.timestamps`, :mod:`contracts.money` — Vietnamese text, aware
  timestamps, whole VND;
* :mod:`contracts.events` — the event data models;
* :mod:`contracts.envelope` — the CloudEvents envelope and ``encode``/``decode`` to and from Kafka records;
* :mod:`contracts.structured` — the same envelope in CloudEvents JSON structured mode, as HTTP senders use it;
* :mod:`contracts.topics`, :mod:`contracts.registry` — topics and event types as data;
* :mod:`contracts.errors` — the error hierarchy;
* :mod:`contracts.schema`, :mod:`contracts.compatibility` — JSON Schema export and the compatibility check;
* :mod:`contracts.privacy` — finding and masking personal data.
"""

from contracts.envelope import Envelope, KafkaRecord, decode, encode
from contracts.errors import (
    ContractError,
    IncompatibleSchemaError,
    InvalidHeaderError,
    InvalidPayloadError,
    KeyMismatchError,
    LienthongError,
    MissingHeaderError,
    NotUtf8Error,
    PayloadTooLargeError,
    UnknownEventTypeError,
    UnsupportedSpecVersionError,
    is_retriable,
)
from contracts.events import (
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeIssued,
    DossierStatus,
    DossierStatusChanged,
    EventData,
    LookupReason,
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
    SyncReason,
)
from contracts.registry import EVENT_TYPES, event_class
from contracts.topics import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
    SUBMISSION_TOPIC,
    TOPICS,
    Topic,
    topic_for,
)

__all__ = [
    "DOSSIER_TOPIC",
    "EVENT_TYPES",
    "IDENTITY_TOPIC",
    "PAYMENT_TOPIC",
    "PORTAL_COMMAND_TOPIC",
    "PORTAL_OUTCOME_TOPIC",
    "ROUTED_SUBMISSION_TOPIC",
    "SUBMISSION_TOPIC",
    "TOPICS",
    "AgencyCodeAmended",
    "AgencyCodeClosed",
    "AgencyCodeIssued",
    "ContractError",
    "DossierStatus",
    "DossierStatusChanged",
    "Envelope",
    "EventData",
    "IncompatibleSchemaError",
    "InvalidHeaderError",
    "InvalidPayloadError",
    "KafkaRecord",
    "KeyMismatchError",
    "LienthongError",
    "LookupReason",
    "MissingHeaderError",
    "NotUtf8Error",
    "OnlineSubmissionReceived",
    "PayloadTooLargeError",
    "PaymentFailed",
    "PaymentInitiated",
    "PaymentPending",
    "PaymentRefunded",
    "PaymentSucceeded",
    "PortalLookupCompleted",
    "PortalLookupRequested",
    "PortalSyncCompleted",
    "PortalSyncFailed",
    "PortalSyncRequested",
    "SubmissionRouted",
    "SyncReason",
    "Topic",
    "UnknownEventTypeError",
    "UnsupportedSpecVersionError",
    "decode",
    "encode",
    "event_class",
    "is_retriable",
    "topic_for",
]
