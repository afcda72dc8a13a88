"""The local Apache Kafka runtime: real brokers (KRaft, loopback) run from Maven Central's jars, no Docker.

``lienthong kafka up|down|status|logs|fetch`` drives it (``deploy/cli/kafka.py``); the test fixtures use
:class:`LocalKafka` directly. Findings about which Kafka versions work here are in ``deploy/kafka/README.md``.
"""

from deploy.kafka.errors import (
    BrokerNotReadyError,
    BrokerStartError,
    ClusterMismatchError,
    JarResolutionError,
    KafkaRuntimeError,
    MissingToolError,
    UnsupportedVersionError,
)
from deploy.kafka.runtime import LocalKafka
from deploy.kafka.settings import RuntimeSettings
from deploy.kafka.status import ClusterStatus, NodeStatus
from deploy.kafka.versions import DEFAULT_VERSION, KafkaRelease

__all__ = [
    "DEFAULT_VERSION",
    "BrokerNotReadyError",
    "BrokerStartError",
    "ClusterMismatchError",
    "ClusterStatus",
    "JarResolutionError",
    "KafkaRelease",
    "KafkaRuntimeError",
    "LocalKafka",
    "MissingToolError",
    "NodeStatus",
    "RuntimeSettings",
    "UnsupportedVersionError",
]
