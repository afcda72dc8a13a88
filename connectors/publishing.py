"""Publishing contract events to Kafka, durably: the one producer every connector uses.

The producer is idempotent with ``acks=all``: a record counts as published only when every in-sync replica has
it, and a retried send never duplicates or reorders a key's records. :meth:`EventPublisher.publish` returns
only after that acknowledgement, so a connector may answer its caller (HTTP 202, a callback's "00") only then.

Topic names are the contracts' (``contracts.TOPICS``) behind an optional prefix, so one cluster can carry
several provinces or several test runs side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connectors.errors import PublishError
from contracts import Envelope, EventData, Topic, encode, topic_for

__all__ = ["EventPublisher", "Published"]

Published = tuple[str, int, int]
"""Where a record landed: topic, partition, offset."""


class EventPublisher:
    """Encodes envelopes (CloudEvents binary mode) and publishes them, waiting for Kafka's acknowledgement."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        topic_prefix: str = "",
        linger_ms: int = 5,
        request_timeout_ms: int = 30_000,
        delivery_timeout: float = 60.0,
    ) -> None:
        """``delivery_timeout`` bounds each publish: an idempotent producer otherwise retries as long as a
        partition leader is unreachable, so a broker gone after the connection would mean waiting forever.
        """
        self._topic_prefix = topic_prefix
        self._delivery_timeout = delivery_timeout
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            request_timeout_ms=request_timeout_ms,
        )

    def topic_name(self, topic: Topic) -> str:
        """The physical name of a contract topic."""
        return f"{self._topic_prefix}{topic.name}"

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            raise PublishError(f"cannot connect to Kafka: {type(exc).__name__}") from exc

    async def stop(self) -> None:
        await self._producer.stop()

    async def connected(self) -> bool:
        """Whether a broker answers a metadata request within two seconds (what a readiness probe asks).

        Only meaningful after :meth:`start` succeeded.
        """
        try:
            async with asyncio.timeout(2.0):
                return bool(await self._producer.client.force_metadata_update())
        except (TimeoutError, KafkaError):
            return False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def publish(self, envelope: Envelope[Any]) -> Published:
        """Publish one event; returns once Kafka acknowledged it (acks=all)."""
        (where,) = await self.publish_many([envelope])
        return where

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[Published]:
        """Publish several events, pipelined; returns once Kafka acknowledged every one of them.

        Records of one key keep their order (idempotent producer, one partition per key). When any record is
        not acknowledged, :class:`PublishError` is raised: some others may have been written, so callers retry
        the whole batch and rely on consumers' idempotence (each event's ``ce_id``).
        """
        try:
            async with asyncio.timeout(self._delivery_timeout):
                pending = [
                    await self._producer.send(
                        self.topic_name(topic_for(envelope.data)),
                        key=record.key,
                        value=record.value,
                        headers=list(record.headers),
                    )
                    for envelope in envelopes
                    for record in (encode(envelope),)
                ]
                results = await asyncio.gather(*pending)
        except TimeoutError:
            raise PublishError(
                f"Kafka did not acknowledge within {self._delivery_timeout:g} s; some may have been written"
            ) from None
        except KafkaError as exc:
            raise PublishError(f"Kafka did not acknowledge the records: {type(exc).__name__}: {exc}") from exc
        return [(result.topic, result.partition, result.offset) for result in results]
