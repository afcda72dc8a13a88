"""The topics the dead-letter tool reads and writes, and the admin calls it needs for them.

* dead-letter topics: ``<prefix>lienthong.….dlq`` — found by listing the cluster's topics;
* the audit log: ``<prefix>lienthong.dlq.audit.v1`` — one partition (one order for all actions), kept
  forever (``retention.ms=-1``: the replay and discard state is rebuilt from it); created on first write;
* per-group replay topics: ``<original topic>.replay.<group>`` — as many partitions as the original topic
  (so a key keeps its partition); created on first replay to that group. Nothing in lienthong consumes them
  yet: a consumer group that wants its replays must subscribe to its replay topic itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from hub.dlq.errors import KafkaOperationError, SelectionError
from hub.dlq.letters import DLQ_SUFFIX

__all__ = ["REPLAY_INFIX", "KafkaTopics", "is_dead_letter_topic", "replay_topic"]

REPLAY_INFIX = ".replay."
_FAMILY = "lienthong."
_GROUP = re.compile(r"[A-Za-z0-9._-]{1,200}")
_KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


def is_dead_letter_topic(name: str, prefix: str) -> bool:
    """Whether ``name`` is one of lienthong's dead-letter topics under ``prefix``."""
    return name.startswith(prefix + _FAMILY) and name.endswith(DLQ_SUFFIX)


def replay_topic(original_topic: str, group: str) -> str:
    """The topic replays for one consumer group go to."""
    if not _GROUP.fullmatch(group):
        raise SelectionError(
            f"{group[:60]!r} cannot name a replay topic: use letters, digits, '.', '_' and '-' (at most 200)"
        )
    return f"{original_topic}{REPLAY_INFIX}{group}"


class KafkaTopics:
    """Listing, describing and creating topics (one admin client, started by the owner)."""

    def __init__(self, admin: AIOKafkaAdminClient, *, replication_factor: int | None = None) -> None:
        self._admin = admin
        self._replication_factor = replication_factor
        self._partitions: dict[str, int] = {}
        self._missing: set[str] = set()  # asked about once per operation, not once per dead letter

    def forget(self) -> None:
        """Ask Kafka again next time (at the start of each operation)."""
        self._partitions.clear()
        self._missing.clear()

    async def names(self) -> set[str]:
        try:
            return set(await self._admin.list_topics())
        except KafkaError as exc:
            raise KafkaOperationError(f"cannot list the topics: {exc}") from exc

    async def partitions(self, names: Iterable[str]) -> dict[str, int]:
        """Topic → number of partitions, for those of ``names`` that exist."""
        names = list(dict.fromkeys(names))
        wanted = [name for name in names if name not in self._partitions and name not in self._missing]
        if wanted:
            try:
                described: list[dict[str, Any]] = await self._admin.describe_topics(wanted)
            except KafkaError as exc:
                raise KafkaOperationError(f"cannot describe {', '.join(wanted)}: {exc}") from exc
            for topic in described:
                if topic.get("error_code") == 0 and topic.get("partitions"):
                    self._partitions[topic["topic"]] = len(topic["partitions"])
            self._missing.update(name for name in wanted if name not in self._partitions)
        return {name: self._partitions[name] for name in names if name in self._partitions}

    async def ensure(self, name: str, *, partitions: int, keep_forever: bool = False) -> None:
        """Create ``name`` unless it exists."""
        if await self.partitions([name]):
            return
        factor = self._replication_factor or await self._default_replication()
        topic = NewTopic(name, partitions, factor, topic_configs=_KEEP_FOREVER if keep_forever else {})
        try:
            response = await self._admin.create_topics([topic])
        except KafkaError as exc:
            raise KafkaOperationError(f"cannot create {name}: {exc}") from exc
        for _, code, message in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise KafkaOperationError(f"cannot create {name}: {message or code}")
        self._partitions[name] = partitions
        self._missing.discard(name)

    async def _default_replication(self) -> int:
        try:
            cluster = await self._admin.describe_cluster()
        except KafkaError as exc:
            raise KafkaOperationError(f"cannot describe the cluster: {exc}") from exc
        return max(1, min(3, len(cluster.get("brokers", []))))
