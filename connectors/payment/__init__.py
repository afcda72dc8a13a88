"""The payment connector: the payment platform's signed callbacks and the re-query job, to Kafka, once each.

It receives the platform's confirmation callbacks (``POST /paygov/callback``), verifies ``MaXacThuc``
(:mod:`connectors.payment.signature`), learns of initiated transactions from the provincial system
(``POST /paygov/transactions``), re-queries the ones whose outcome never arrived (:mod:`.reconciliation`)
and publishes ``PaymentInitiated/Pending/Succeeded/Failed`` — one event per (reference, transaction id,
outcome), with deterministic ids. ``README.md`` here documents the endpoints, answers and settings.

Start it with ``lienthong connector payment`` or build it with :func:`create_app`.
"""

from __future__ import annotations

from connectors.payment.app import create_app
from connectors.payment.relay import PaymentRelay, Registered
from connectors.payment.settings import PaymentSettings
from connectors.payment.signature import SIGNED_FIELDS, check_signature, signature_of

__all__ = [
    "SIGNED_FIELDS",
    "PaymentRelay",
    "PaymentSettings",
    "Registered",
    "check_signature",
    "create_app",
    "signature_of",
]
