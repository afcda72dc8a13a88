"""The connectors' errors: one tree, retriability as a class attribute.

::

    ConnectorError                   retriable = False
    ├── PublishError                 retriable = True   Kafka did not acknowledge a record in time
    ├── PortalError                                     the national portal, as the portal connector sees it
    │   ├── PortalUnavailableError   retriable = True   5xx, timeout, dropped connection, open circuit
    │   │   └── PortalThrottledError retriable = True   429; carries the Retry-After the portal asked for
    │   ├── PortalRefusedError       retriable = False  a business error code for the content
    │   └── PortalAuthError          retriable = False  credentials refused
    └── CallbackRejectedError        retriable = False  a payment callback whose MaXacThuc does not verify

Third-party exceptions (aiokafka, httpx) are translated where they are caught:
``raise PortalUnavailableError(...) from exc``. Messages never carry personal data.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CallbackRejectedError",
    "ConnectorError",
    "PortalAuthError",
    "PortalError",
    "PortalRefusedError",
    "PortalThrottledError",
    "PortalUnavailableError",
    "PublishError",
]


class ConnectorError(Exception):
    """Base of every error a connector raises on purpose."""

    retriable: ClassVar[bool] = False
    reason_code: ClassVar[str] = "connector_error"


class PublishError(ConnectorError):
    """Kafka did not acknowledge a record (broker down, timeout, not enough in-sync replicas)."""

    retriable = True
    reason_code = "publish_failed"


class PortalError(ConnectorError):
    """Something went wrong talking to the national portal."""

    reason_code = "portal_error"


class PortalUnavailableError(PortalError):
    """The portal could not answer: 5xx, a timeout, a dropped connection, or the circuit is open."""

    retriable = True
    reason_code = "portal_unavailable"


class PortalThrottledError(PortalUnavailableError):
    """The portal answered 429; ``retry_after`` is how long it asked us to wait, in seconds."""

    reason_code = "portal_throttled"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PortalRefusedError(PortalError):
    """The portal answered with a business error code for the content (``error_code`` other than "00")."""

    reason_code = "portal_refused"

    def __init__(self, message: str, *, error_code: str) -> None:
        super().__init__(message)
        self.error_code = error_code


class PortalAuthError(PortalError):
    """The portal refused the connector's client credentials."""

    reason_code = "portal_auth_failed"


class CallbackRejectedError(ConnectorError):
    """A payment platform callback that does not verify (forged, tampered or malformed)."""

    reason_code = "callback_rejected"
