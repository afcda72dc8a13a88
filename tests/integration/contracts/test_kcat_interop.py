"""Debian's kcat, an independent Kafka client, and the contracts agree on the CloudEvents binary mode."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import Envelope, EventData, decode, encode
from tests.fixtures.kafka import NewTopicFactory
from tests.unit.contracts.factories import dossier_fields, make_dossier

pytestmark = [pytest.mark.kafka, pytest.mark.kcat]

ROOT = Path(__file__).resolve().parents[3]
VN = dt.timezone(dt.timedelta(hours=7))


def _kcat() -> str:
    path = shutil.which("kcat")
    assert path, "kcat is missing: `make system-deps` (or apt-get install kcat) installs it"
    return path


def _run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    result = subprocess.run(args, input=stdin, capture_output=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def test_kcat_lists_the_broker_that_lienthong_kafka_up_started(tmp_path: Path) -> None:
    """`lienthong kafka up` prints a bootstrap address at which kcat finds a broker."""
    env = {**os.environ, "LIENTHONG_STATE_DIR": str(tmp_path / "state")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    cli = [sys.executable, "-c", "from deploy.cli import main; main()", "kafka"]
    bootstrap = _run(*cli, "up", env=env).decode().strip().splitlines()[-1]
    try:
        metadata = json.loads(_run(_kcat(), "-b", bootstrap, "-L", "-J", "-m", "30"))
        host, port = bootstrap.rsplit(":", 1)
        assert [(b["name"].rsplit(":", 1)[0], b["name"].rsplit(":", 1)[1]) for b in metadata["brokers"]] == [
            (host, port)
        ]
    finally:
        _run(*cli, "down", env=env)


async def test_an_event_kcat_produces_with_ce_headers_is_decoded_by_the_contracts(
    kafka_bootstrap: str, new_topic: NewTopicFactory
) -> None:
    topic = await new_topic()
    data = dossier_fields(status_changed_at="2025-06-12T09:05:00+07:00")
    event_id = str(uuid.uuid4())
    headers = {
        "ce_specversion": "1.0",
        "ce_id": event_id,
        "ce_source": "000.00.20.H56",
        "ce_type": "vn.gov.lienthong.dossier.status_changed.v1",
        "ce_time": "2025-06-12T09:05:00+07:00",
        "ce_subject": data["dossier_code"],
        "content-type": "application/json",
    }
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}={value}")]
    value = json.dumps(data, ensure_ascii=False).encode()
    _run(
        _kcat(),
        "-b",
        kafka_bootstrap,
        "-t",
        topic,
        "-P",
        "-k",
        data["dossier_code"],
        *header_args,
        stdin=value,
    )

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.seek(partition, 0)
        record = await consumer.getone()
    finally:
        await consumer.stop()

    envelope = decode(record.key, record.value, record.headers)
    assert envelope.id == event_id
    assert envelope.source == "000.00.20.H56"
    assert envelope.time == dt.datetime(2025, 6, 12, 9, 5, tzinfo=VN)
    assert envelope.data == make_dossier(status_changed_at="2025-06-12T09:05:00+07:00")


async def test_an_event_the_contracts_produce_is_read_back_intact_by_kcat(
    kafka_bootstrap: str, new_topic: NewTopicFactory
) -> None:
    topic = await new_topic()
    envelope: Envelope[EventData] = Envelope(source="000.00.20.H56", data=make_dossier())
    record = encode(envelope)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=record.key, value=record.value, headers=list(record.headers))
    finally:
        await producer.stop()

    out = _run(_kcat(), "-b", kafka_bootstrap, "-t", topic, "-C", "-o", "beginning", "-c", "1", "-e", "-J")
    message = json.loads(out)
    flat = message["headers"]
    seen = list(zip(flat[::2], flat[1::2], strict=True))
    assert message["key"].encode() == record.key
    assert message["payload"].encode() == record.value
    assert seen == [(name, value.decode()) for name, value in record.headers]
    # and what kcat saw decodes back to the very envelope that was sent
    again = decode(message["key"].encode(), message["payload"].encode(), [(n, v.encode()) for n, v in seen])
    assert again == envelope
