"""How one dead letter is replayed: where it goes, whether it goes at all, and how fast.

:func:`plan_replay` decides a dead letter's step before anything is sent. It goes to its original topic and
partition, or to ``<original topic>.replay.<group>`` for one consumer group (created with the original's
partition count when missing). It is skipped when already discarded (unless ``include_discarded``) or already
replayed to that target (unless ``again``). It fails when neither the original nor the target topic exists.
A dry run stops at ``would_send``. :class:`Pace` spaces the sends evenly to at most ``rate`` a second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.dlq.audit import AuditState
from hub.dlq.letters import DeadLetter
from hub.dlq.outcomes import Step
from hub.dlq.topics import KafkaTopics, replay_topic

__all__ = ["Pace", "plan_replay"]


class Pace:
    """At most ``rate`` sends a second, evenly spaced (``None``: as fast as Kafka takes them)."""

    def __init__(
        self,
        rate: float | None,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: float | None = None

    async def wait(self) -> None:
        if not self._interval:
            return
        now = self._monotonic()
        if self._next is not None and self._next > now:
            await self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


async def plan_replay(
    letter: DeadLetter,
    *,
    state: AuditState,
    topics: KafkaTopics,
    to_group: str | None,
    again: bool,
    include_discarded: bool,
    dry_run: bool,
) -> Step:
    """The step replaying ``letter`` takes: ``sent`` (its target then exists), or why not."""
    original = letter.original_topic
    target = original if to_group is None else replay_topic(original, to_group)
    if state.is_discarded(letter.id) and not include_discarded:
        return Step(letter.id, "discarded_before", letter, target)
    if target in state.replayed_to(letter.id) and not again:
        return Step(letter.id, "replayed_before", letter, target)
    known = await topics.partitions([original, target])
    partitions = known.get(target) or known.get(original)
    if partitions is None:
        return Step(letter.id, "failed", letter, target)
    partition = letter.original_partition
    if partition is not None and partition >= partitions:
        partition = None
    if dry_run:
        return Step(letter.id, "would_send", letter, target, partition)
    if target not in known:
        await topics.ensure(target, partitions=partitions)
    return Step(letter.id, "sent", letter, target, partition)
