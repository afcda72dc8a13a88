"""Importing registries into a real Kafka broker: one event per decision, by code; re-imports add none."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from connectors.identity import Action, RegistryImporter, event_id, registry_files
from connectors.publishing import EventPublisher
from contracts import (
    IDENTITY_TOPIC,
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeIssued,
    Envelope,
    EventData,
    decode,
)

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[3]
SOURCE = "urn:lienthong:connector:identity"
TYPES = {"issue": AgencyCodeIssued, "amend": AgencyCodeAmended, "close": AgencyCodeClosed}


async def _identity_events(
    bootstrap: str, prefix: str, *, expected: int, settle: float = 1.5
) -> list[Envelope[EventData]]:
    """Every event on the test's identity topic: ``expected`` of them, then ``settle`` seconds of quiet."""
    consumer = AIOKafkaConsumer(
        f"{prefix}{IDENTITY_TOPIC.name}",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        events: list[Envelope[EventData]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + 30
        while loop.time() < end:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                events += [decode(record.key, record.value, record.headers) for record in records]
            if len(events) >= expected:
                end = min(end, loop.time() + settle)
        return events
    finally:
        await consumer.stop()


async def _import(bootstrap: str, prefix: str, state: Path, paths: list[Path]) -> list[int]:
    async with EventPublisher(bootstrap, client_id="identity-test", topic_prefix=prefix) as publisher:
        reports = await RegistryImporter(publisher, state, source=SOURCE).import_files(paths)
    assert all(not report.rejected for report in reports), [
        str(r) for report in reports for r in report.rejected
    ]
    return [report.published_total for report in reports]


async def test_import_publishes_one_event_per_decision(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """Cao Bằng: 140 issues, 2 amendments, 10 closures → 152 events with the right types, keys and ids;
    importing again publishes nothing."""
    files = registry_files("cao-bang")
    assert await _import(kafka_bootstrap, topic_prefix, tmp_path / "state.json", files) == [142, 10]
    events = await _identity_events(kafka_bootstrap, topic_prefix, expected=152)
    rows = [json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(events) == len(rows) == 152
    by_id = {event.id: event for event in events}
    for row in rows:
        event = by_id[event_id(row["code"], Action(row["action"]), row["decision_number"])]
        assert type(event.data) is TYPES[row["action"]]
        assert event.subject == row["code"]
        assert event.data.name == row["name"]
        assert event.source == SOURCE
    closed = [event.data for event in events if isinstance(event.data, AgencyCodeClosed)]
    assert {event.code: event.successor_code for event in closed}["000.00.30.H14"] == "000.00.40.H14"

    assert await _import(kafka_bootstrap, topic_prefix, tmp_path / "state.json", files) == [0, 0]
    assert len(await _identity_events(kafka_bootstrap, topic_prefix, expected=152)) == 152


async def test_reissue_of_a_closed_code_is_rejected_and_not_published(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """After Đồng Nai's closures, a registry issuing Bình Phước's old code again is refused at its line."""
    state = tmp_path / "state.json"
    assert await _import(kafka_bootstrap, topic_prefix, state, registry_files("dong-nai")) == [97, 19]
    reuse = tmp_path / "reuse.jsonl"
    row = {
        "action": "issue",
        "code": "000.00.00.H10",
        "name": "Ủy ban nhân dân tỉnh Bình Phước",
        "level": 1,
        "decision_number": "15/2026/QĐ-TTg",
        "decision_date": "2026-01-05",
        "decision_issuer": "Thủ tướng Chính phủ",
    }
    reuse.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    async with EventPublisher(
        kafka_bootstrap, client_id="identity-test", topic_prefix=topic_prefix
    ) as publisher:
        (report,) = await RegistryImporter(publisher, state, source=SOURCE).import_files([reuse])
    (rejection,) = report.rejected
    assert (rejection.line, rejection.code) == (1, "000.00.00.H10")
    assert "a closed code is never reused" in rejection.reason
    assert len(await _identity_events(kafka_bootstrap, topic_prefix, expected=116)) == 116


def test_cli_imports_a_shipped_province_once(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> None:
    """``lienthong connector identity import --province lam-dong`` twice: the second publishes nothing."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIENTHONG_IDENTITY_")}
    env |= {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "LIENTHONG_IDENTITY_TOPIC_PREFIX": topic_prefix}
    command = [
        sys.executable,
        "-c",
        "from deploy.cli.connector_identity import identity_connector; identity_connector()",
        "import",
        "--province",
        "lam-dong",
        "--state-file",
        str(tmp_path / "state.json"),
    ]
    first = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert first.returncode == 0, first.stderr
    assert "lam-dong.jsonl: published 63 issue; 0 already imported; 0 rejected" in first.stdout
    assert "lam-dong-closures.jsonl: published 38 close" in first.stdout
    second = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("unchanged since it was imported; nothing to publish") == 2
