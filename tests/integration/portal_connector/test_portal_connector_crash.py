"""kill -9 of the connector process after a move was written and before it was committed — a sync parked in a
retry tier, a record dead-lettered — then a restart: nothing is lost and nothing has an effect twice.

The child process is the real CLI command with one change made in the child only: the transactional
producer writes the move, flushes it, leaves a mark, and then hangs instead of committing the offsets. The
test kills it there, while the move is in the log but uncommitted.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.portal import PortalConnector, PortalConnectorSettings
from connectors.portal.outcomes import outcome_id
from contracts import PortalSyncCompleted
from tests.fixtures.portal import ROOT
from tests.fixtures.transactions import stalled_commit_script, topic_records, written_uncommitted
from tests.integration.portal_connector.connector_harness import (
    TopicReader,
    portal_state,
    produce_raw,
    publish,
    running,
    set_faults,
)
from tests.unit.portal_connector.portal_factories import command_envelope, dossier_code, make_command

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

_STALLED = stalled_commit_script("deploy.cli.connector_portal", "portal_connector")


def _environment(settings: PortalConnectorSettings) -> dict[str, str]:
    prefix = "LIENTHONG_PORTAL_CONNECTOR_"
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefix)}
    return env | {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        f"{prefix}TOPIC_PREFIX": settings.topic_prefix,
        f"{prefix}GROUP_ID": settings.group_id,
        f"{prefix}PORTAL_BASE_URL": settings.portal_base_url,
        f"{prefix}PORTAL_CLIENT_ID": settings.portal_client_id,
        f"{prefix}PORTAL_CLIENT_SECRET": settings.portal_client_secret.get_secret_value(),
        f"{prefix}RETRY_MAX_ATTEMPTS": "2",
        f"{prefix}RETRY_MAX_DELAY_SECONDS": "0.5",
        f"{prefix}SYNC_DEADLINE_SECONDS": "1",
        f"{prefix}RETRY_TIER_SECONDS": json.dumps(list(settings.retry_tier_seconds)),
    }


async def _stalled_child(settings: PortalConnectorSettings, tmp_path: Path) -> subprocess.Popen[bytes]:
    """Start the connector with the stalling commit; return it once a move is written and uncommitted."""
    mark = tmp_path / "moved"
    log = tmp_path / "connector.log"
    with log.open("wb") as sink:
        child = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
            [sys.executable, "-c", _STALLED, str(mark), "--log-level", "info"],
            cwd=ROOT,
            env=_environment(settings),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while not mark.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"no move was written: {log.read_text(errors='replace')[-3000:]}")
        await asyncio.sleep(0.05)
    return child


def _kill(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(30)


async def test_kill_between_a_tier_write_and_its_commit_loses_nothing_and_syncs_once(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client, tmp_path: Path
) -> None:
    settings = connector_settings.model_copy(update={"retry_tier_seconds": (1.0, 2.0, 4.0)})
    topics = PortalConnector(settings).topics
    code = dossier_code(201)
    command = command_envelope(make_command(code, status=2))
    set_faults(portal_admin, {"overload": {"probability": 1.0}})
    child = await _stalled_child_after(settings, tmp_path, command)
    try:
        parked = await written_uncommitted(settings.kafka_bootstrap_servers, topics.retry_tier(1))
    finally:
        _kill(child)
    assert [dict(r.headers)["ce_id"].decode() for r in parked] == [command.id]  # written, not committed

    set_faults(portal_admin, {})
    connector = PortalConnector(settings, poll=False)
    async with (
        TopicReader(settings.kafka_bootstrap_servers, topics.outcomes) as outcomes,
        running(connector),
    ):
        await outcomes.wait_for(1, within=60, settle=2.0)
    (outcome,) = outcomes.events()
    assert isinstance(outcome.data, PortalSyncCompleted)
    assert outcome.id == outcome_id(command.id, outcome.type)
    assert await topic_records(settings.kafka_bootstrap_servers, topics.retry_tier(1), committed=True) == []
    dossier = next(d for d in portal_state(portal_admin)["dossiers"] if d["MaHoSo"] == code)
    rows = [r for r in dossier["history"] if r["NguonCapNhat"] == "CapNhatTienDoHoSoMC"]
    assert len(rows) == 1  # synced once


async def _stalled_child_after(
    settings: PortalConnectorSettings, tmp_path: Path, *commands: Any
) -> subprocess.Popen[bytes]:
    start = asyncio.create_task(_stalled_child(settings, tmp_path))
    await asyncio.sleep(0)  # the child starts; the command waits for it on the topic
    await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, list(commands))
    return await start


async def test_kill_between_a_dead_letter_write_and_its_commit_leaves_exactly_one_dead_letter(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client, tmp_path: Path
) -> None:
    settings = connector_settings
    topics = PortalConnector(settings).topics
    poison_id = str(uuid.uuid4())
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", poison_id.encode()),
        ("ce_source", b"kafka-console"),
        ("ce_type", b"vn.gov.lienthong.portal.sync_requested.v1"),
        ("ce_time", b"2025-06-12T08:00:00Z"),
        ("ce_subject", b"000.00.20.H14-250612-0202"),
        ("content-type", b"application/json"),
    ]
    poison = (b"000.00.20.H14-250612-0202", b'{"dossier_code": "truncated', headers)
    start = asyncio.create_task(_stalled_child(settings, tmp_path))
    await asyncio.sleep(0)
    await produce_raw(
        settings.kafka_bootstrap_servers, topics.commands, key=poison[0], value=poison[1], headers=headers
    )
    child = await start
    try:
        written = await written_uncommitted(settings.kafka_bootstrap_servers, topics.command_dead_letters)
    finally:
        _kill(child)
    assert [r.value for r in written] == [poison[1]]

    follower = command_envelope(make_command(dossier_code(203), status=2))
    connector = PortalConnector(settings, poll=False)
    async with (
        TopicReader(settings.kafka_bootstrap_servers, topics.outcomes) as outcomes,
        running(connector),
    ):
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, [follower])
        await outcomes.wait_for(1, within=60, settle=1.0)
    assert [event.id for event in outcomes.events()] == [outcome_id(follower.id, outcomes.events()[0].type)]
    letters = await topic_records(
        settings.kafka_bootstrap_servers, topics.command_dead_letters, committed=True
    )
    assert [(r.key, r.value) for r in letters] == [(poison[0], poison[1])]
    assert dict(letters[0].headers)["dlq_reason_code"] == b"invalid_payload"
