"""The root of lienthong's errors, and the contract failures: decoding a Kafka record, or a schema change
that would break consumers.

Every error the project raises on purpose descends from :class:`LienthongError`, whose class attribute
``retriable`` says whether the same work may succeed if tried again (:func:`is_retriable`). A consumer
reads that attribute alone to choose between a bounded retry and a dead letter::

    LienthongError                    retriable = False unless a family says otherwise
    ├── ContractError                 here: bytes or schemas that do not satisfy the contracts
    ├── connectors.errors.ConnectorError         the connectors: portal 5xx/429/timeouts (retriable),
    │                                            refusals, bad callbacks, unreadable registries …
    ├── hub.store.errors.StoreError              the hub's store: busy, unavailable, conflict (retriable),
    │                                            corrupt
    └── hub.dlq.errors.DeadLetterToolError       the operator's dead-letter tool

The contract failures::

    ContractError                     a record or schema does not satisfy the contracts (never retriable)
    ├── MissingHeaderError            a required header (ce_id, ce_type, …, content-type) is absent
    ├── InvalidHeaderError            a header is present but unusable: duplicated, empty, malformed
    │   │                             time/id/source, content-type not JSON
    │   └── UnsupportedSpecVersionError   ce_specversion is not "1.0"
    ├── UnknownEventTypeError         ce_type names no registered event type
    ├── NotUtf8Error                  the value or a header is not valid UTF-8
    ├── PayloadTooLargeError          the value exceeds the size limit
    ├── InvalidPayloadError           the value is absent, not JSON, not an object, or violates the model
    ├── KeyMismatchError              no key, or key, ce_subject and the data's business key disagree
    └── IncompatibleSchemaError       a schema change would break consumers of committed schema versions

Every failure to decode bytes is one of these: a consumer catches :class:`ContractError` and dead-letters the
record at once (``retriable`` is False throughout: the same bytes fail the same way on every attempt).

Messages never contain personal data: payload problems are reported by field path and reason only, never the
offending value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

__all__ = [
    "ContractError",
    "IncompatibleSchemaError",
    "InvalidHeaderError",
    "InvalidPayloadError",
    "KeyMismatchError",
    "LienthongError",
    "MissingHeaderError",
    "NotUtf8Error",
    "PayloadTooLargeError",
    "UnknownEventTypeError",
    "UnsupportedSpecVersionError",
    "is_retriable",
]


class LienthongError(Exception):
    """Base of every error lienthong raises on purpose."""

    retriable: ClassVar[bool] = False
    """Whether trying the same work again may succeed (a transient cause), as opposed to a permanent one."""


def is_retriable(error: BaseException) -> bool:
    """Whether the error tree says another attempt may succeed (anything foreign to it: no)."""
    return isinstance(error, LienthongError) and error.retriable


class ContractError(LienthongError):
    """A record or schema does not satisfy the contracts."""

    retriable: ClassVar[bool] = False

    @property
    def message(self) -> str:
        """The human-readable message (safe to log and to put in a dead-letter header)."""
        return str(self)


class MissingHeaderError(ContractError):
    """One or more required headers are absent."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        super().__init__(f"missing required header(s): {', '.join(self.names)}")


class InvalidHeaderError(ContractError):
    """A header is present but its value is unusable."""


class UnsupportedSpecVersionError(InvalidHeaderError):
    """``ce_specversion`` is not ``1.0``."""


class UnknownEventTypeError(ContractError):
    """``ce_type`` names no registered event type."""


class NotUtf8Error(ContractError):
    """The value or a header value is not valid UTF-8."""


class PayloadTooLargeError(ContractError):
    """The value exceeds the configured size limit."""


class InvalidPayloadError(ContractError):
    """The value is not a JSON object satisfying the event type's model.

    ``problems`` lists ``(path, reason)`` pairs, e.g. ``("applicant.personal_id", "personal ID (CCCD) must be
    exactly 12 digits; got 11 digits")``; the path is ``$`` for the whole document.
    """

    def __init__(self, message: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class KeyMismatchError(ContractError):
    """The Kafka key, ``ce_subject`` and the data's business key do not all agree."""


class IncompatibleSchemaError(ContractError):
    """A schema change would break consumers reading data written under a committed schema version."""

    def __init__(self, changes: Sequence[object]) -> None:
        self.changes = tuple(changes)
        listed = "\n".join(f"  {change}" for change in self.changes)
        super().__init__(f"{len(self.changes)} breaking schema change(s):\n{listed}")
