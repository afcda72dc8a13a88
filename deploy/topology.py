"""The topics lienthong needs, created explicitly (brokers run with ``auto.create.topics.enable=false``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts import TOPICS

__all__ = ["DEFAULT_PARTITIONS", "ensure_topics", "topic_names"]

DEFAULT_PARTITIONS = 6
"""Enough for a province's volume (~2 status events a second at peak) with room for several hub instances."""

_ALREADY_EXISTS = TopicAlreadyExistsError.errno


def topic_names(prefix: str = "") -> list[str]:
    """The physical names of the contract topics under ``prefix``."""
    return [f"{prefix}{topic.name}" for topic in TOPICS]


async def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    *,
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
    leader_timeout: float = 30.0,
) -> list[str]:
    """Create the topics that do not exist yet; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="lienthong-topology")
    await admin.start()
    try:
        wanted = [NewTopic(name, partitions, replication_factor) for name in names]
        response = await admin.create_topics(wanted)
        created, failed = [], []
        for name, code, message in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != _ALREADY_EXISTS:
                failed.append(f"{name}: {message or code}")
        if failed:
            raise RuntimeError(f"creating topics failed: {'; '.join(failed)}")
        try:
            async with asyncio.timeout(leader_timeout):
                await _wait_for_leaders(admin, [topic.name for topic in wanted])
        except TimeoutError:
            raise RuntimeError(f"topics still without a partition leader after {leader_timeout} s") from None
        return created
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Return once every partition of ``names`` has a leader, so the first produce does not bounce."""
    while True:
        topics = await admin.describe_topics(names)
        leaderless = [
            topic["topic"]
            for topic in topics
            if topic["error_code"] != 0
            or not topic["partitions"]
            or any(partition["leader"] < 0 for partition in topic["partitions"])
        ]
        if not leaderless:
            return
        await asyncio.sleep(0.1)
