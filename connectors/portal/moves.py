"""Moving command records between topics with their source offsets, atomically; reading the tiers back.

:class:`Mover` writes a partition's moves — a command into a retry tier, up a tier, into the dead-letter
topic — and commits the consumer group's offset past their source records, in one Kafka transaction
(``send_offsets_to_transaction``). A crash (kill -9) anywhere before the commit leaves neither: the aborted
records are invisible to ``read_committed`` readers, and the source records are delivered again. After the
commit, both: the source records are not read again. So a move happens exactly once for the readers of the
tiers, and the state rebuilt from the tiers (:func:`pending_in_tiers`) is always what was committed.

The transactional id is unique per process: a restarted connector does not fence a live one, and the
transactions of a dead one are aborted by the broker after the transaction timeout (10 s); its source
records were not committed and are delivered to the new owner, which moves them again in a transaction of
its own.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from connectors.errors import PublishError
from connectors.portal.tiers import read_stamp

__all__ = ["Move", "Mover", "pending_in_tiers"]

_log = structlog.get_logger("connectors.portal.moves")
_SCAN_POLL_MS = 500
_TRANSACTION_TIMEOUT_MS = 10_000
"""How long the broker keeps a transaction of a dead process open before aborting it. Until then
``read_committed`` readers of the partitions it wrote wait; a move's transaction takes milliseconds."""


@dataclass(frozen=True, slots=True)
class Move:
    """One record to write: where, and exactly what."""

    topic: str
    partition: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes | None]]


class Mover:
    """A transactional producer: a partition's moves and its committed offset, together."""

    def __init__(self, bootstrap_servers: str, *, group_id: str, client_id: str) -> None:
        self._group_id = group_id
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._one_at_a_time = asyncio.Lock()  # a producer has one transaction open at most
        self.transactions = 0

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            transactional_id=f"{self._group_id}-moves-{socket.gethostname()}-{os.getpid()}",
            acks="all",
            enable_idempotence=True,
            transaction_timeout_ms=_TRANSACTION_TIMEOUT_MS,
        )
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise PublishError(f"cannot connect to Kafka: {type(exc).__name__}") from exc
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def commit(self, moves: Iterable[Move], offsets: dict[TopicPartition, int]) -> None:
        """Write ``moves`` and commit ``offsets`` for the group in one transaction, or raise PublishError."""
        producer = self._producer
        if producer is None:
            raise PublishError("the mover is not started")
        try:
            async with self._one_at_a_time, producer.transaction():
                for move in moves:
                    await producer.send(
                        move.topic,
                        key=move.key,
                        value=move.value,
                        headers=list(move.headers),
                        partition=move.partition,
                    )
                await producer.send_offsets_to_transaction(offsets, self._group_id)
        except KafkaError as exc:
            raise PublishError(f"the move transaction was not committed: {type(exc).__name__}") from exc
        self.transactions += 1


async def pending_in_tiers(
    scanner: AIOKafkaConsumer, starts: dict[TopicPartition, int], tier_of: dict[str, int]
) -> list[tuple[int, bytes | None, int, int]]:
    """``(partition, key, origin offset, tier)`` of each committed record from ``starts`` on.

    ``scanner`` is a consumer without a group, reading ``read_committed``; it is left assigned to nothing.
    A record without a readable stamp is left out: it is dead-lettered when its tier reaches it.
    """
    found: list[tuple[int, bytes | None, int, int]] = []
    if not starts:
        return found
    partitions = list(starts)
    scanner.assign(partitions)
    try:
        ends = await scanner.end_offsets(partitions)
        remaining = set()
        for tp, start in starts.items():
            if start < ends[tp]:
                scanner.seek(tp, start)
                remaining.add(tp)
        while remaining:
            batches = await scanner.getmany(*remaining, timeout_ms=_SCAN_POLL_MS)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    stamp = read_stamp(record.headers)
                    if stamp is not None:
                        found.append((tp.partition, record.key, stamp.origin_offset, tier_of[tp.topic]))
            for tp in list(remaining):
                if await scanner.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        scanner.assign([])
    _log.debug("tiers read back", partitions=len(starts), pending=len(found))
    return found
