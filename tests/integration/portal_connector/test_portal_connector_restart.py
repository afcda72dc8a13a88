"""Stopping the connector mid-stream and starting it again in the same group: no command lost."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from connectors.portal import PortalConnector, PortalConnectorSettings
from tests.integration.portal_connector.connector_harness import (
    TopicReader,
    portal_state,
    publish,
    running,
    set_faults,
    wait_until,
)
from tests.unit.portal_connector.portal_factories import command_envelope, dossier_code, make_command

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

STATUSES = (2, 4, 9)


def _plan() -> list[tuple[str, int, int]]:
    return [
        (dossier_code(sequence), revision, status)
        for sequence in range(1, 11)
        for revision, status in enumerate(STATUSES, start=1)
    ]


async def _start_with_backlog(
    settings: PortalConnectorSettings, admin: httpx.Client, *, latency_ms: int = 40
) -> list[tuple[str, int]]:
    set_faults(admin, {"latency": {"kind": "fixed", "ms": latency_ms}})
    plan = _plan()
    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic_prefix,
        [command_envelope(make_command(code, status, revision)) for code, revision, status in plan],
    )
    return [(code, revision) for code, revision, _ in plan]


async def test_graceful_restart_gives_each_command_exactly_one_outcome(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A graceful stop mid-stream: records in flight finish and commit; the next run resumes after them."""
    commands = await _start_with_backlog(connector_settings, portal_admin)
    first = PortalConnector(connector_settings, poll=False)
    async with TopicReader(connector_settings.kafka_bootstrap_servers, first.topics.outcomes) as outcomes:
        async with running(first):
            await wait_until(lambda: first.stats.completed >= 8, within=60)
        stopped_after = first.stats.completed
        assert stopped_after < len(commands), "the first run was meant to stop mid-stream"
        second = PortalConnector(connector_settings, poll=False)
        async with running(second):
            await outcomes.wait_for(len(commands), within=120, settle=1.5)
    answered = Counter((event.data.business_key, event.data.revision) for event in outcomes.events())  # type: ignore[attr-defined]
    assert answered == Counter(commands)
    assert first.stats.completed + second.stats.completed == len(commands)
    on_portal = {
        dossier["MaHoSo"]: dossier["TrangThaiHoSo"] for dossier in portal_state(portal_admin)["dossiers"]
    }
    assert on_portal == {dossier_code(sequence): 9 for sequence in range(1, 11)}
    assert portal_state(portal_admin)["counters"]["dossier_creates"] == 10


async def test_crash_with_lost_commits_gives_duplicates_with_the_same_revision_and_id(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A run killed mid-sync, its commits lost: the next run re-processes; duplicates are the same outcome."""
    commands = await _start_with_backlog(connector_settings, portal_admin)
    first = PortalConnector(connector_settings, poll=False, shutdown_grace_s=0.0)
    async with TopicReader(connector_settings.kafka_bootstrap_servers, first.topics.outcomes) as outcomes:
        task = asyncio.create_task(first.run(asyncio.Event()))
        await wait_until(lambda: first.stats.completed >= 5, within=60)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # what the killed run published: its counted outcomes, and any whose send was acknowledged just
        # before the kill, uncounted (the records on the outcomes topic, which only this test writes)
        first_published = await _records_on(connector_settings, first.topics.outcomes)
        assert first_published >= first.stats.completed >= 5
        await _rewind(connector_settings, first.topics.commands)
        second = PortalConnector(connector_settings, poll=False)
        async with running(second):
            await outcomes.wait_for(len(commands) + first_published, within=120, settle=1.0)
    events = outcomes.events()
    answered = Counter((event.data.business_key, event.data.revision) for event in events)  # type: ignore[attr-defined]
    assert set(answered) == set(commands)
    assert sum(answered.values()) == len(commands) + first_published
    ids: dict[tuple[str, int], set[str]] = {}
    for event in events:
        ids.setdefault((event.data.business_key, event.data.revision), set()).add(event.id)  # type: ignore[attr-defined]
    assert all(len(found) == 1 for found in ids.values()), "a re-processed command must keep its outcome id"
    state = portal_state(portal_admin)
    assert {dossier["MaHoSo"]: dossier["TrangThaiHoSo"] for dossier in state["dossiers"]} == {
        dossier_code(sequence): 9 for sequence in range(1, 11)
    }
    assert state["counters"]["dossier_creates"] == 10


async def _records_on(settings: PortalConnectorSettings, topic: str) -> int:
    """Records written to ``topic`` so far (the sum of its partitions' end offsets)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, partition["partition"]) for partition in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def _rewind(settings: PortalConnectorSettings, topic: str) -> None:
    """Commit offset 0 on every partition for the connector's group: as if its commits had been lost."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, partition["partition"]) for partition in described["partitions"]]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.group_id,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def test_member_joining_mid_stream_causes_no_duplicate(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A member joins mid-stream: the first finishes its batch before giving partitions up."""
    # A slow portal keeps the first member busy long enough for the group to rebalance under any load; once
    # the second member has answered a command the portal speeds up again so the backlog drains quickly.
    commands = await _start_with_backlog(connector_settings, portal_admin, latency_ms=800)
    # one dossier at a time, so the backlog outlasts the join (dossiers side by side would drain it first)
    settings = connector_settings.model_copy(update={"max_batch_records": 2, "key_concurrency": 1})
    first = PortalConnector(settings, poll=False)
    second = PortalConnector(settings, poll=False)
    bootstrap = settings.kafka_bootstrap_servers
    async with TopicReader(bootstrap, first.topics.outcomes) as outcomes, running(first):
        await wait_until(lambda: first.stats.completed >= 3, within=60)
        async with running(second):
            await wait_until(lambda: second.stats.completed > 0, within=90)
            set_faults(portal_admin, {"latency": {"kind": "fixed", "ms": 20}})
            await outcomes.wait_for(len(commands), within=120, settle=1.5)
    events = outcomes.events()
    answered = Counter((event.data.business_key, event.data.revision) for event in events)  # type: ignore[attr-defined]
    assert answered == Counter(commands)
    assert first.stats.completed + second.stats.completed == len(commands)
    assert second.stats.completed > 0, "the second member was meant to take partitions over"
