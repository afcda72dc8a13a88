"""The province connector: the way in for provincial one-stop systems (Một cửa điện tử) to lienthong.

Three doors, one set of rules (:mod:`connectors.province.admission`: the contracts' validation, dossier
events only), and one durable producer (:class:`~connectors.publishing.EventPublisher`, idempotent,
acks=all):

* :class:`ProvincePublisher` — a Python library provincial systems embed to publish straight to Kafka;
* :func:`create_app` — the HTTP ingest, CloudEvents structured mode on ``POST /v1/events``, answering 202 only
  once Kafka acknowledged (``lienthong connector province serve``);
* :class:`Backfill` — resumable import of history from JSON Lines or CSV files
  (``lienthong connector province backfill``; the CSV layout is in :mod:`connectors.province.csv_layout`).

Settings: :class:`ProvinceSettings` (``LIENTHONG_PROVINCE_*``, and ``KAFKA_BOOTSTRAP_SERVERS``).
"""

from connectors.province.admission import ACCEPTED_EVENT_TYPES, Rejection, admit_batch, admit_event
from connectors.province.backfill import PUBLISH_RETRY, Backfill, BackfillReport, format_of
from connectors.province.client import ProvincePublisher, Receipt
from connectors.province.csv_layout import COLUMNS, REQUIRED_COLUMNS
from connectors.province.ingest import EVENTS_PATH, create_app, publisher_factory
from connectors.province.settings import ProvinceSettings
from connectors.province.sink import EventSink, InMemorySink

__all__ = [
    "ACCEPTED_EVENT_TYPES",
    "COLUMNS",
    "EVENTS_PATH",
    "PUBLISH_RETRY",
    "REQUIRED_COLUMNS",
    "Backfill",
    "BackfillReport",
    "EventSink",
    "InMemorySink",
    "ProvincePublisher",
    "ProvinceSettings",
    "Receipt",
    "Rejection",
    "admit_batch",
    "admit_event",
    "create_app",
    "format_of",
    "publisher_factory",
]
