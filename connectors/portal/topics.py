"""The topics the portal connector owns besides the contract topics: its dead letters and its feed cursor.

* ``<command topic>.dlq`` — sync commands that cannot be processed (undecodable, wrong event type), byte for
  byte with error context headers; as many partitions as the command topic, so dead letters keep their key's
  partition order.
* ``<command topic>.retry.1`` … ``.retry.N`` — the delayed retry tiers (:mod:`connectors.portal.tiers`),
  one per configured delay, with the command topic's partition count.
* ``<submission topic>.dlq`` — online submissions from the portal that do not fit the contracts.
* ``<prefix>lienthong.portal.cursor.v1`` — the position of the online-submission feed: compacted, one
  partition, one live record per feed key.

They are created at start when missing (brokers run with ``auto.create.topics.enable=false``); the contract
topics themselves are the deployment's (``deploy.topology``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from connectors.portal.tiers import tier_topic
from contracts import PORTAL_COMMAND_TOPIC, PORTAL_OUTCOME_TOPIC, SUBMISSION_TOPIC

__all__ = ["CURSOR_TOPIC", "DLQ_SUFFIX", "ConnectorTopics", "ensure_connector_topics"]

DLQ_SUFFIX = ".dlq"
CURSOR_TOPIC = "lienthong.portal.cursor.v1"
_FALLBACK_PARTITIONS = 3
_UNKNOWN_TOPIC = 3


@dataclass(frozen=True, slots=True)
class ConnectorTopics:
    """The physical names of every topic the connector reads or writes, under one prefix."""

    prefix: str = ""

    @property
    def commands(self) -> str:
        return f"{self.prefix}{PORTAL_COMMAND_TOPIC.name}"

    @property
    def outcomes(self) -> str:
        return f"{self.prefix}{PORTAL_OUTCOME_TOPIC.name}"

    @property
    def submissions(self) -> str:
        return f"{self.prefix}{SUBMISSION_TOPIC.name}"

    @property
    def command_dead_letters(self) -> str:
        return f"{self.commands}{DLQ_SUFFIX}"

    def retry_tier(self, tier: int) -> str:
        return tier_topic(self.commands, tier)

    @property
    def submission_dead_letters(self) -> str:
        return f"{self.submissions}{DLQ_SUFFIX}"

    @property
    def cursor(self) -> str:
        return f"{self.prefix}{CURSOR_TOPIC}"


def _partitions(described: list[dict[str, Any]], name: str) -> int:
    for topic in described:
        if topic.get("topic") == name and topic.get("error_code") != _UNKNOWN_TOPIC and topic["partitions"]:
            return len(topic["partitions"])
    return _FALLBACK_PARTITIONS


async def ensure_connector_topics(
    bootstrap_servers: str, topics: ConnectorTopics, *, replication_factor: int = 1, tiers: int = 0
) -> list[str]:
    """Create the dead-letter, retry-tier and cursor topics that do not exist yet; returns those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="lienthong-portal-connector")
    await admin.start()
    try:
        described = await admin.describe_topics([topics.commands, topics.submissions])
        command_partitions = _partitions(described, topics.commands)
        wanted = [
            NewTopic(topics.command_dead_letters, command_partitions, replication_factor),
            *(
                NewTopic(topics.retry_tier(tier), command_partitions, replication_factor)
                for tier in range(1, tiers + 1)
            ),
            NewTopic(
                topics.submission_dead_letters, _partitions(described, topics.submissions), replication_factor
            ),
            NewTopic(
                topics.cursor,
                1,
                replication_factor,
                topic_configs={"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1"},
            ),
        ]
        response = await admin.create_topics(wanted)
        created, failed = [], []
        for name, code, message in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != TopicAlreadyExistsError.errno:
                failed.append(f"{name}: {message or code}")
        if failed:
            raise RuntimeError(f"creating the portal connector's topics failed: {'; '.join(failed)}")
        return created
    finally:
        await admin.close()
