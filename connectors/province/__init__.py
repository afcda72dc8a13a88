"""The province connector: the way in for provincial one-stop systems (Một cửa điện tử) to lienthong — and
the way out to them for the online submissions the hub routed.

Three doors, one set of rules (:mod:`connectors.province.admission`: the contracts' validation, dossier
events only), and one durable producer (:class:`~connectors.publishing.EventPublisher`, idempotent,
acks=all):

* :class:`ProvincePublisher` — a Python library provincial systems embed to publish straight to Kafka;
* :func:`create_app` — the HTTP ingest, CloudEvents structured mode on ``POST /v1/events``, answering 202 only
  once Kafka acknowledged (``lienthong connector province serve``);
* :class:`Backfill` — resumable import of history from JSON Lines or CSV files
  (``lienthong connector province backfill``; the CSV layout is in :mod:`connectors.province.csv_layout`).

The way out: :class:`SubmissionDelivery` consumes ``lienthong.province.submissions.v1`` and POSTs each
``SubmissionRouted`` to the province system's webhook (:mod:`connectors.province.webhook`: structured-mode
CloudEvent, ``ce-id``, HMAC-SHA256 signature), committing only after a 2xx or an acknowledged dead letter
(``lienthong connector province deliver``).

Settings: :class:`ProvinceSettings` (``LIENTHONG_PROVINCE_*``, and ``KAFKA_BOOTSTRAP_SERVERS``).
"""

from connectors.province.admission import ACCEPTED_EVENT_TYPES, Rejection, admit_batch, admit_event
from connectors.province.backfill import PUBLISH_RETRY, Backfill, BackfillReport, format_of
from connectors.province.client import ProvincePublisher, Receipt
from connectors.province.csv_layout import COLUMNS, REQUIRED_COLUMNS
from connectors.province.delivery import DEAD_LETTER_SUFFIX, DeliveryStats, SubmissionDelivery
from connectors.province.delivery_dead_letters import DeliveryDeadLetters, ensure_dead_letter_topic
from connectors.province.ingest import EVENTS_PATH, create_app, publisher_factory
from connectors.province.settings import ProvinceSettings
from connectors.province.sink import EventSink, InMemorySink
from connectors.province.webhook import (
    SIGNATURE_HEADER,
    WebhookAuthError,
    WebhookError,
    WebhookProtocolError,
    WebhookRefusedError,
    WebhookRequest,
    WebhookThrottledError,
    WebhookUnavailableError,
    answer_error,
    signature,
    verify_signature,
    webhook_request,
)
from connectors.province.webhook_client import WEBHOOK_CALL, WebhookClient

__all__ = [
    "ACCEPTED_EVENT_TYPES",
    "COLUMNS",
    "DEAD_LETTER_SUFFIX",
    "EVENTS_PATH",
    "PUBLISH_RETRY",
    "REQUIRED_COLUMNS",
    "SIGNATURE_HEADER",
    "WEBHOOK_CALL",
    "Backfill",
    "BackfillReport",
    "DeliveryDeadLetters",
    "DeliveryStats",
    "EventSink",
    "InMemorySink",
    "ProvincePublisher",
    "ProvinceSettings",
    "Receipt",
    "Rejection",
    "SubmissionDelivery",
    "WebhookAuthError",
    "WebhookClient",
    "WebhookError",
    "WebhookProtocolError",
    "WebhookRefusedError",
    "WebhookRequest",
    "WebhookThrottledError",
    "WebhookUnavailableError",
    "admit_batch",
    "admit_event",
    "answer_error",
    "create_app",
    "ensure_dead_letter_topic",
    "format_of",
    "publisher_factory",
    "signature",
    "verify_signature",
    "webhook_request",
]
