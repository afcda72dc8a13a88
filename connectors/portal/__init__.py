"""The portal connector: keeps the National Public Service Portal in step with the hub's commands, and brings
citizens' online submissions from the portal into Kafka.

Commands in (``lienthong.portal.commands.v1``): a sync → look up, create or update, push progress on the
portal → one outcome per command out (``lienthong.portal.outcomes.v1``); a drift lookup → look up only → what
the portal holds out. The portal's ``HoSoTrucTuyen`` feed → ``lienthong.portal.submissions.v1``. It speaks to
the portal only over HTTP.

Modules, outside in:

* :mod:`~connectors.portal.connector` — the runnable piece, built from :mod:`~connectors.portal.settings`;
* :mod:`~connectors.portal.consumer`, :mod:`~connectors.portal.poller` — the two loops;
* :mod:`~connectors.portal.sync` — one command's idempotent sync; :mod:`~connectors.portal.lookup` — one
  lookup; :mod:`~connectors.portal.outcomes` — their outcome events;
* :mod:`~connectors.portal.gateway` — breaker, rate limit and retries around every portal call
  (:mod:`~connectors.portal.breaker`, :mod:`~connectors.portal.limiter`, :mod:`~connectors.portal.retries`);
* :mod:`~connectors.portal.client`, :mod:`~connectors.portal.tokens`, :mod:`~connectors.portal.answers` —
  HTTP, and the translation of its failures into :mod:`connectors.errors`;
* :mod:`~connectors.portal.mapping` — contracts ↔ portal fields;
* :mod:`~connectors.portal.dead_letters`, :mod:`~connectors.portal.cursor`,
  :mod:`~connectors.portal.producer`, :mod:`~connectors.portal.topics` — what it keeps in Kafka besides
  events;
* :mod:`~connectors.portal.redaction`, :mod:`~connectors.portal.stats` — safe messages, counters.
"""

from connectors.portal.breaker import BreakerState, CircuitBreaker
from connectors.portal.client import PortalClient, SubmissionPage
from connectors.portal.connector import PortalConnector, create_connector
from connectors.portal.gateway import CallBudget, PortalGateway
from connectors.portal.limiter import RateLimiter
from connectors.portal.lookup import DossierLookup, LookupReport
from connectors.portal.settings import PortalConnectorSettings
from connectors.portal.stats import ConnectorStats
from connectors.portal.sync import DossierSync, SyncReport
from connectors.portal.topics import ConnectorTopics

__all__ = [
    "BreakerState",
    "CallBudget",
    "CircuitBreaker",
    "ConnectorStats",
    "ConnectorTopics",
    "DossierLookup",
    "DossierSync",
    "LookupReport",
    "PortalClient",
    "PortalConnector",
    "PortalConnectorSettings",
    "PortalGateway",
    "RateLimiter",
    "SubmissionPage",
    "SyncReport",
    "create_connector",
]
