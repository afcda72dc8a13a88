"""The local Kafka runtime against real brokers: aiokafka's durable paths, CLI life cycle, failover, 3.9.

The session broker (``kafka_bootstrap``) serves the client tests; every life-cycle test starts its own brokers
in a state directory of its own, so stopping them never touches the session's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord

import deploy.kafka.commands
from deploy.kafka import BrokerStartError, LocalKafka, RuntimeSettings
from deploy.kafka.processes import is_running
from tests.fixtures.kafka import NewTopicFactory

pytestmark = pytest.mark.kafka

_READ_SECONDS = 30.0


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for index, value in enumerate(values):
            await producer.send_and_wait(topic, value, key=str(index % 3).encode())
    finally:
        await producer.stop()


async def _read(
    bootstrap: str,
    topic: str,
    expected: int,
    *,
    partitions: int = 1,
    group_id: str | None = None,
    **options: object,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start until ``expected`` records came, then a little longer to catch extras."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **options,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        if group_id is None:
            consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
            await consumer.seek_to_beginning()
        else:
            consumer.subscribe([topic])
        deadline = time.monotonic() + _READ_SECONDS
        while len(records) < expected and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        for batch in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def _create_topic(bootstrap: str, name: str, partitions: int, replication_factor: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics([NewTopic(name, partitions, replication_factor)])
    finally:
        await admin.close()
    assert [code for _, code, _ in response.topic_errors] == [0]


async def _topic_names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


@pytest.fixture
def scratch_state(tmp_path: Path) -> Iterator[Path]:
    """A state directory of this test's; whatever brokers it holds are stopped afterwards."""
    state = tmp_path / "state"
    yield state
    LocalKafka(RuntimeSettings(state_dir=state)).down(timeout=10)


def _cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `lienthong kafka ...` in a fresh interpreter, as a user would, against ``state``."""
    command = [sys.executable, "-c", "from deploy.cli import main; main()", "kafka", *args]
    environment = {**os.environ, "LIENTHONG_STATE_DIR": str(state)}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, check=False)


async def test_idempotent_producer_round_trip(
    kafka_bootstrap: str, new_topic: NewTopicFactory, group_id: str
) -> None:
    """Records sent with acks=all and idempotence come back once each, in key order, to a consumer group."""
    topic = await new_topic(partitions=3)
    values = [f"record-{i}".encode() for i in range(12)]
    await _produce(kafka_bootstrap, topic, values)

    records = await _read(kafka_bootstrap, topic, len(values), group_id=group_id)

    assert Counter(r.value for r in records) == Counter(values)
    for key in (b"0", b"1", b"2"):
        assert [r.value for r in records if r.key == key] == [
            v for i, v in enumerate(values) if i % 3 == int(key)
        ]


async def test_read_committed_consumer_sees_only_committed_transactions(
    kafka_bootstrap: str, new_topic: NewTopicFactory, group_id: str
) -> None:
    """Committed transactions (with their consumer offsets) are visible; an aborted one is not."""
    source, sink = await new_topic(), await new_topic()
    await _produce(kafka_bootstrap, source, [b"input-0", b"input-1"])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=f"tx-{sink}")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send(sink, b"committed-1")
            await producer.send_offsets_to_transaction({TopicPartition(source, 0): 1}, group_id)
        await producer.begin_transaction()
        await producer.send(sink, b"aborted")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(sink, b"committed-2")
    finally:
        await producer.stop()

    committed = await _read(kafka_bootstrap, sink, 2, isolation_level="read_committed")
    uncommitted = await _read(kafka_bootstrap, sink, 3, isolation_level="read_uncommitted")

    assert [r.value for r in committed] == [b"committed-1", b"committed-2"]
    assert [r.value for r in uncommitted] == [b"committed-1", b"aborted", b"committed-2"]
    checker = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group_id, enable_auto_commit=False)
    await checker.start()
    try:
        assert await checker.committed(TopicPartition(source, 0)) == 1
    finally:
        await checker.stop()


def test_cli_up_twice_reuses_the_running_broker(scratch_state: Path) -> None:
    """A second `up` finds the first broker alive: same pid, same bootstrap, which is stdout's last line."""
    first = _cli(scratch_state, "up")
    assert first.returncode == 0, first.stderr
    bootstrap = first.stdout.splitlines()[-1]
    pids = LocalKafka(RuntimeSettings(state_dir=scratch_state)).status().pids

    second = _cli(scratch_state, "up")

    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == bootstrap
    assert "already running" in second.stderr
    assert LocalKafka(RuntimeSettings(state_dir=scratch_state)).status().pids == pids


async def test_cli_status_down_and_restart_with_data(scratch_state: Path) -> None:
    """status says running then stopped; down ends the process; a later up restarts it with its topics."""
    started = await asyncio.to_thread(_cli, scratch_state, "up")
    assert started.returncode == 0, started.stderr
    bootstrap = started.stdout.strip()
    await _create_topic(bootstrap, "kept-across-restarts", 1, 1)
    running = await asyncio.to_thread(_cli, scratch_state, "status")
    assert running.returncode == 0
    assert "state:     running" in running.stdout
    [pid] = LocalKafka(RuntimeSettings(state_dir=scratch_state)).status().pids
    assert str(pid) in running.stdout

    stopped = await asyncio.to_thread(_cli, scratch_state, "down")
    assert stopped.returncode == 0, stopped.stderr
    assert not is_running(pid, str(scratch_state))
    after = await asyncio.to_thread(_cli, scratch_state, "status")
    assert after.returncode == 3
    assert "state:     stopped" in after.stdout
    again = await asyncio.to_thread(_cli, scratch_state, "down")
    assert again.returncode == 0
    assert "not running" in again.stderr

    restarted = await asyncio.to_thread(_cli, scratch_state, "up")
    assert restarted.returncode == 0, restarted.stderr
    assert "kept-across-restarts" in await _topic_names(restarted.stdout.strip())


def test_cli_reports_a_broker_not_ready_in_time_and_stops_it(scratch_state: Path) -> None:
    """With a 1 s budget the broker cannot be ready: exit 1, the log's tail, nothing left running."""
    result = _cli(scratch_state, "up", "--timeout", "1")

    assert result.returncode == 1
    assert "Error: Kafka at 127.0.0.1:" in result.stderr
    assert "was not ready after 1 s" in result.stderr
    assert "Last lines of" in result.stderr
    assert "Traceback" not in result.stderr
    status = LocalKafka(RuntimeSettings(state_dir=scratch_state)).status()
    assert not status.running
    assert status.pids == []


def test_broker_dying_during_start_is_reported_with_its_log(
    scratch_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker JVM that exits at once (an impossible heap) is reported with its exit code and output."""
    monkeypatch.setattr(deploy.kafka.commands, "BROKER_HEAP", ("-Xms512m", "-Xmx256m"))
    runtime = LocalKafka(RuntimeSettings(state_dir=scratch_state))

    with pytest.raises(BrokerStartError, match=r"exited with exit code 1 before it was ready") as caught:
        runtime.up(timeout=60)

    assert "Initial heap size set to a larger value than the maximum heap size" in str(caught.value)
    assert not runtime.status().running


@pytest.mark.slow
async def test_three_broker_cluster_keeps_acknowledged_records_when_a_broker_dies(tmp_path: Path) -> None:
    """RF 3, min ISR 2, acks=all: one broker SIGKILLed, writes still succeed and nothing acked is lost."""
    runtime = LocalKafka(RuntimeSettings(state_dir=tmp_path / "trio"))
    status = await asyncio.to_thread(runtime.up, brokers=3, timeout=180)
    try:
        assert status.bootstrap is not None
        assert len(status.pids) == 3
        await _create_topic(status.bootstrap, "failover", 3, 3)
        before = [f"before-{i}".encode() for i in range(15)]
        after = [f"after-{i}".encode() for i in range(15)]
        producer = AIOKafkaProducer(
            bootstrap_servers=status.bootstrap, acks="all", enable_idempotence=True, request_timeout_ms=60000
        )
        await producer.start()
        try:
            for value in before:
                await producer.send_and_wait("failover", value, key=value)
            await asyncio.to_thread(runtime.kill_node, 1)
            assert [node.running for node in runtime.status().nodes] == [False, True, True]
            for value in after:
                await producer.send_and_wait("failover", value, key=value)
        finally:
            await producer.stop()

        records = await _read(status.bootstrap, "failover", len(before) + len(after), partitions=3)

        assert Counter(r.value for r in records) == Counter(before + after)
    finally:
        await asyncio.to_thread(runtime.down, timeout=20)


@pytest.mark.slow
async def test_kafka_3_9_broker_round_trips_a_record(tmp_path: Path) -> None:
    """The 3.9 line (reload4j logging, no share groups) starts and serves aiokafka, transactions included."""
    runtime = LocalKafka(RuntimeSettings(state_dir=tmp_path / "legacy"))
    status = await asyncio.to_thread(runtime.up, version="3.9.1", timeout=120)
    try:
        assert status.version == "3.9.1"
        assert status.bootstrap is not None
        await _create_topic(status.bootstrap, "legacy", 1, 1)
        await _produce(status.bootstrap, "legacy", [b"hello from 3.9"])
        producer = AIOKafkaProducer(bootstrap_servers=status.bootstrap, transactional_id="legacy-tx")
        await producer.start()
        try:
            async with producer.transaction():
                await producer.send("legacy", b"transactional")
        finally:
            await producer.stop()

        records = await _read(status.bootstrap, "legacy", 2, isolation_level="read_committed")

        assert [r.value for r in records] == [b"hello from 3.9", b"transactional"]
        assert "Kafka version: 3.9.1" in runtime.log_tail(100_000)
    finally:
        await asyncio.to_thread(runtime.down)
