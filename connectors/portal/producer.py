"""A durable producer of raw records — dead letters and cursor positions, which are not contract events.

Contract events go through :class:`connectors.publishing.EventPublisher`; what it cannot carry (a record
copied byte for byte, a cursor) goes through this one, configured the same way: idempotent, ``acks=all``,
:meth:`RecordProducer.send` returns only once Kafka acknowledged the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connectors.errors import PublishError
from connectors.publishing import Published

__all__ = ["RecordProducer"]


class RecordProducer:
    """Sends records as given (key, value and headers as bytes) and waits for the acknowledgement."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, request_timeout_ms: int = 30_000) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=request_timeout_ms,
        )

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            raise PublishError(f"cannot connect to Kafka: {type(exc).__name__}") from exc

    async def stop(self) -> None:
        await self._producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def send(
        self,
        topic: str,
        *,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes | None]] = (),
        partition: int | None = None,
    ) -> Published:
        """Write one record; returns where it landed once every in-sync replica has it."""
        try:
            result = await (
                await self._producer.send(
                    topic, key=key, value=value, headers=list(headers), partition=partition
                )
            )
        except KafkaError as exc:
            raise PublishError(f"Kafka did not acknowledge the record: {type(exc).__name__}: {exc}") from exc
        return (result.topic, result.partition, result.offset)
