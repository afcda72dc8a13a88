"""Watching the running pipeline from outside, as an operator would: consumer-group lag, the hub's metrics,
the portal's admin state, the dead-letter topics."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

__all__ = ["GroupLag", "KafkaWatch", "hub_metrics", "portal_state"]


@dataclass(frozen=True, slots=True)
class GroupLag:
    """Records of the topics a group has not committed yet."""

    group: str
    lag: int
    ends: int
    """Records written to the group's topics so far (the sum of end offsets)."""


class KafkaWatch:
    """One admin client and one consumer (no group) for looking at offsets; start before use, close after."""

    def __init__(self, bootstrap: str) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="lienthong-demo-watch")
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, client_id="lienthong-demo-watch", enable_auto_commit=False
        )
        self._bootstrap = bootstrap
        self._partitions: dict[str, list[TopicPartition]] = {}

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def close(self) -> None:
        with contextlib.suppress(KafkaError):
            await self._consumer.stop()
        with contextlib.suppress(KafkaError):
            await self._admin.close()

    async def _topic_partitions(self, topic: str) -> list[TopicPartition]:
        if topic not in self._partitions:
            (described,) = await self._admin.describe_topics([topic])
            found = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
            if not found:
                return []
            self._partitions[topic] = found
        return self._partitions[topic]

    async def ends(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        partitions = [tp for topic in topics for tp in await self._topic_partitions(topic)]
        if not partitions:
            return {}
        return dict(await self._consumer.end_offsets(partitions))

    async def records(self, topics: Iterable[str]) -> int:
        """Records written to ``topics``: the sum of end offsets (nothing here is compacted or trimmed)."""
        return sum((await self.ends(topics)).values())

    async def committed_records(
        self, topics: Iterable[str], *, starts: Mapping[TopicPartition, int] | None = None
    ) -> list[Any]:
        """The committed records of ``topics`` from ``starts`` (default: the beginning) to their stable end.

        Counting records, not offsets: a topic written in transactions also holds their commit markers. A
        fresh ``read_committed`` consumer each time, so no fetch of an earlier look leaks into this one."""
        partitions = [tp for topic in topics for tp in await self._topic_partitions(topic)]
        if not partitions:
            return []
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id="lienthong-demo-watch-reader",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await reader.start()
        try:
            reader.assign(partitions)
            ends = await reader.end_offsets(partitions)
            for tp in partitions:
                reader.seek(tp, (starts or {}).get(tp, 0))
            found: list[Any] = []
            while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
                for tp, records in (await reader.getmany(timeout_ms=500)).items():
                    found.extend(record for record in records if record.offset < ends[tp])
            return found
        finally:
            await reader.stop()

    async def pending(self, group: str, topics: Iterable[str]) -> int:
        """Committed records of ``topics`` at or past ``group``'s committed offsets: not processed yet."""
        partitions = [tp for topic in topics for tp in await self._topic_partitions(topic)]
        if not partitions:
            return 0
        offsets = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
        starts = {tp: max(meta.offset, 0) for tp, meta in offsets.items() if meta is not None}
        return len(await self.committed_records(topics, starts=starts))

    async def lag(self, group: str, topics: Iterable[str]) -> GroupLag:
        ends = await self.ends(topics)
        try:
            offsets = await self._admin.list_consumer_group_offsets(group, partitions=list(ends))
        except KafkaError:
            offsets = {}
        committed = {tp: meta.offset for tp, meta in offsets.items() if meta is not None}
        lag = sum(max(end - max(committed.get(tp, 0), 0), 0) for tp, end in ends.items())
        return GroupLag(group=group, lag=lag, ends=sum(ends.values()))


def _parse_metrics(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            values[name] = float(value)
    return values


async def hub_metrics(client: httpx.AsyncClient) -> Mapping[str, float]:
    """The hub's Prometheus samples by full sample name (labels included)."""
    answer = await client.get("/metrics")
    answer.raise_for_status()
    return _parse_metrics(answer.text)


def metric_sum(samples: Mapping[str, float], name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for sample, value in samples.items():
        base, _, rest = sample.partition("{")
        if base != name:
            continue
        if all(f'{key}="{wanted}"' in rest for key, wanted in labels.items()):
            total += value
    return total


async def portal_state(client: httpx.AsyncClient) -> dict[str, Any]:
    """The mock portal's whole state (its admin API)."""
    answer = await client.get("/admin/state", timeout=60.0)
    answer.raise_for_status()
    state: dict[str, Any] = answer.json()
    return state
