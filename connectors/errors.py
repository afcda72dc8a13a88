"""The connectors' errors: their branch of the one tree (:class:`contracts.LienthongError`), retriability
as a class attribute.

::

    ConnectorError                   retriable = False
    ├── PublishError                 retriable = True   Kafka did not acknowledge a record in time
    ├── EventRefusedError            retriable = False  a valid event of a type this connector does not take
    ├── BackfillInputError           retriable = False  a backfill file unusable as a whole (CSV header,
    │                                                   changed since its checkpoint)
    ├── PortalError                                     the national portal, as the portal connector sees it
    │   ├── PortalUnavailableError   retriable = True   5xx, timeout, dropped connection (+ Retry-After)
    │   │   ├── PortalThrottledError retriable = True   429; carries the Retry-After the portal asked for
    │   │   └── CircuitOpenError     retriable = True   the connector's circuit breaker holds calls back
    │   ├── PortalRefusedError       retriable = False  a business error code for the content
    │   ├── PortalAuthError          retriable = False  credentials refused
    │   ├── PortalProtocolError      retriable = False  an unreadable answer (HTTP 4xx, not JSON)
    │   └── PortalRecordError        retriable = False  a portal record that does not satisfy the contracts
    ├── PaymentPlatformError                            the payment platform (QUERY), as the payment connector
    │   │                                               sees it
    │   ├── PaymentPlatformUnavailableError  retriable = True   5xx, 429, timeout, dropped connection
    │   ├── PaymentPlatformRefusedError      retriable = False  a MaLoi other than "00"
    │   └── PaymentPlatformAuthError         retriable = False  client credentials refused
    ├── CallbackRejectedError        retriable = False  a payment callback refused; ``reason`` says why
    │                                                   (signature, malformed, partner, unknown, mismatch)
    └── RegistryError                retriable = False  an agency-code registry file that cannot be read

Third-party exceptions (aiokafka, httpx) are translated where they are caught:
``raise PortalUnavailableError(...) from exc``. Messages never carry personal data.
"""

from __future__ import annotations

from typing import ClassVar

from contracts.errors import LienthongError

__all__ = [
    "BackfillInputError",
    "CallbackRejectedError",
    "CircuitOpenError",
    "ConnectorError",
    "EventRefusedError",
    "PaymentPlatformAuthError",
    "PaymentPlatformError",
    "PaymentPlatformRefusedError",
    "PaymentPlatformUnavailableError",
    "PortalAuthError",
    "PortalError",
    "PortalProtocolError",
    "PortalRecordError",
    "PortalRefusedError",
    "PortalThrottledError",
    "PortalUnavailableError",
    "PublishError",
    "RegistryError",
]


class ConnectorError(LienthongError):
    """Base of every error a connector raises on purpose."""

    retriable: ClassVar[bool] = False
    reason_code: ClassVar[str] = "connector_error"


class PublishError(ConnectorError):
    """Kafka did not acknowledge a record (broker down, timeout, not enough in-sync replicas)."""

    retriable = True
    reason_code = "publish_failed"


class EventRefusedError(ConnectorError):
    """A valid contract event of a type this way in does not take (e.g. a portal command sent by a province).

    The message names the type and where such events come from instead; it is safe to return to the sender.
    """

    reason_code = "event_refused"


class BackfillInputError(ConnectorError):
    """A backfill input unusable as a whole: a CSV header off the layout, or a file that changed since its
    checkpoint was written (resuming would skip the wrong lines)."""

    reason_code = "backfill_input"


class PortalError(ConnectorError):
    """Something went wrong talking to the national portal."""

    reason_code = "portal_error"


class PortalUnavailableError(PortalError):
    """The portal could not answer: 5xx, a timeout, a dropped connection, or the circuit is open.

    ``retry_after`` is how long the portal (or the breaker) asked callers to wait, in seconds, when it said.
    """

    retriable = True
    reason_code = "portal_unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PortalThrottledError(PortalUnavailableError):
    """The portal answered 429; ``retry_after`` is how long it asked us to wait, in seconds."""

    reason_code = "portal_throttled"
    retry_after: float

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)


class CircuitOpenError(PortalUnavailableError):
    """The connector's circuit breaker is open: no call was made; ``retry_after`` is when it may be tried."""

    reason_code = "portal_circuit_open"
    retry_after: float

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)


class PortalRefusedError(PortalError):
    """The portal answered with a business error code for the content (``error_code`` other than "00")."""

    reason_code = "portal_refused"

    def __init__(self, message: str, *, error_code: str) -> None:
        super().__init__(message)
        self.error_code = error_code


class PortalAuthError(PortalError):
    """The portal refused the connector's client credentials."""

    reason_code = "portal_auth_failed"


class PortalProtocolError(PortalError):
    """The portal answered something the connector cannot read: an unexpected HTTP status, a body that is not
    the documented JSON. Retrying the same call would meet the same answer."""

    reason_code = "portal_protocol_error"


class PortalRecordError(PortalError):
    """A record the portal handed out (an online submission) that does not satisfy the contracts."""

    reason_code = "portal_record_invalid"


class PaymentPlatformError(ConnectorError):
    """Something went wrong talking to the payment platform's partner API (QUERY)."""

    reason_code = "payment_platform_error"


class PaymentPlatformUnavailableError(PaymentPlatformError):
    """The payment platform could not answer: 5xx, 429, a timeout or a dropped connection."""

    retriable = True
    reason_code = "payment_platform_unavailable"


class PaymentPlatformRefusedError(PaymentPlatformError):
    """The payment platform answered with an error code (``MaLoi`` other than "00")."""

    reason_code = "payment_platform_refused"

    def __init__(self, message: str, *, error_code: str) -> None:
        super().__init__(message)
        self.error_code = error_code


class PaymentPlatformAuthError(PaymentPlatformError):
    """The payment platform refused the connector's client credentials."""

    reason_code = "payment_platform_auth_failed"


class CallbackRejectedError(ConnectorError):
    """A payment platform callback that is refused; ``reason`` names why (see the payment connector README).

    ``signature``: ``MaXacThuc`` does not verify (forged, tampered, a signed field missing, another secret);
    ``malformed``: not a JSON object, or a signed message whose values are not valid; ``partner``: another
    partner's code; ``unknown``: a reference the connector was never told about; ``mismatch``: the amount or
    dossier differs from the registered transaction.
    """

    reason_code = "callback_rejected"

    def __init__(self, message: str, *, reason: str = "signature") -> None:
        super().__init__(message)
        self.reason = reason


class RegistryError(ConnectorError):
    """An agency-code registry file that cannot be read at all (missing, not UTF-8, unknown format).

    Rows that are readable but invalid are not raised: the importer reports them with their line numbers.
    """

    reason_code = "registry_unreadable"
