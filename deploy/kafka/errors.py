"""Errors of the local Kafka runtime, each with a message meant for the person at the terminal.

::

    KafkaRuntimeError              anything the runtime cannot do; the CLI prints the message, no traceback
    ├── MissingToolError                java or mvn is not installed
    ├── UnsupportedVersionError         the requested Kafka version is not one this runtime knows how to run
    ├── JarResolutionError        Maven could not resolve the broker's jars
    ├── ClusterMismatchError            the state directory holds a different cluster than the one asked for
    ├── BrokerStartError          a broker process (or the storage format tool) exited during start
    └── BrokerNotReadyError             the brokers did not answer within the timeout
"""

from __future__ import annotations

__all__ = [
    "BrokerNotReadyError",
    "BrokerStartError",
    "ClusterMismatchError",
    "JarResolutionError",
    "KafkaRuntimeError",
    "MissingToolError",
    "UnsupportedVersionError",
]


class KafkaRuntimeError(Exception):
    """The local Kafka runtime could not do what was asked; ``str(error)`` explains why and what to do."""


class MissingToolError(KafkaRuntimeError):
    """A program the runtime needs (``java`` or ``mvn``) is not on ``PATH``."""


class UnsupportedVersionError(KafkaRuntimeError):
    """The requested Kafka version is malformed or outside the supported release lines."""


class JarResolutionError(KafkaRuntimeError):
    """Maven failed to resolve or copy the broker's jars."""


class ClusterMismatchError(KafkaRuntimeError):
    """The state directory already holds a cluster of another version or size."""


class BrokerStartError(KafkaRuntimeError):
    """A broker, or the storage format tool before it, exited instead of starting."""


class BrokerNotReadyError(KafkaRuntimeError):
    """The brokers were started but did not answer clients within the timeout."""
