"""What the dead-letter operations refuse or fail with; the CLI and the HTTP API translate these.

::

    DeadLetterToolError                  retriable = False
    ├── SelectionError                   the operator asked for something malformed or too little
    │   ├── InvalidLetterIdError         not TOPIC:PARTITION:OFFSET
    │   ├── InvalidMomentError           --since/--until neither a duration nor an RFC 3339 time
    │   ├── NothingSelectedError         replay/discard without an id, a filter or --all
    │   └── DiscardReasonMissingError    discard without a reason
    └── KafkaOperationError              retriable = True: the broker did not answer or refused
"""

from __future__ import annotations

from typing import ClassVar

from contracts.errors import LienthongError

__all__ = [
    "DeadLetterToolError",
    "DiscardReasonMissingError",
    "InvalidLetterIdError",
    "InvalidMomentError",
    "KafkaOperationError",
    "NothingSelectedError",
    "SelectionError",
]


class DeadLetterToolError(LienthongError):
    """Base of every error of :mod:`hub.dlq`."""

    retriable: ClassVar[bool] = False


class SelectionError(DeadLetterToolError, ValueError):
    """The selection or the options of an operation are not acceptable."""


class InvalidLetterIdError(SelectionError):
    """A dead letter's id is ``TOPIC:PARTITION:OFFSET`` (the dead-letter topic's own coordinates)."""


class InvalidMomentError(SelectionError):
    """A time bound is a duration back from now (``90m``, ``2h``, ``7d``) or an RFC 3339 date or time."""


class NothingSelectedError(SelectionError):
    """Replaying or discarding everything must be asked for (``--all``), never implied."""


class DiscardReasonMissingError(SelectionError):
    """A discard is recorded with the operator's reason, so it cannot go without one."""


class KafkaOperationError(DeadLetterToolError):
    """Kafka did not answer, or refused, while reading or writing; running the operation again is safe."""

    retriable: ClassVar[bool] = True
