"""The connector as a real process (the CLI command): SIGTERM mid-stream stops it cleanly, logs stay clean."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from connectors.portal import ConnectorTopics, PortalConnectorSettings
from tests.fixtures.portal import ROOT
from tests.integration.portal_connector.connector_harness import TopicReader, publish, set_faults
from tests.unit.portal_connector.portal_factories import (
    APPLICANT_NAME,
    PERSONAL_ID,
    command_envelope,
    dossier_code,
    make_command,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def _environment(settings: PortalConnectorSettings) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("LIENTHONG_PORTAL_CONNECTOR_")
    }
    prefix = "LIENTHONG_PORTAL_CONNECTOR_"
    env |= {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        f"{prefix}TOPIC_PREFIX": settings.topic_prefix,
        f"{prefix}GROUP_ID": settings.group_id,
        f"{prefix}PORTAL_BASE_URL": settings.portal_base_url,
        f"{prefix}PORTAL_CLIENT_ID": settings.portal_client_id,
        f"{prefix}PORTAL_CLIENT_SECRET": settings.portal_client_secret.get_secret_value(),
        f"{prefix}POLL_INTERVAL_SECONDS": "0.2",
    }
    return env


async def test_sigterm_finishes_in_flight_commands_and_commits_them(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client, tmp_path: Path
) -> None:
    """After SIGTERM the process exits 0; every outcome's command is committed, nothing more, nothing less."""
    topics = ConnectorTopics(connector_settings.topic_prefix)
    set_faults(portal_admin, {"latency": {"kind": "fixed", "ms": 60}})
    log = tmp_path / "connector.log"
    command = [
        sys.executable,
        "-c",
        "from deploy.cli.connector_portal import portal_connector; portal_connector()",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block; waiting is done in a thread
            command, cwd=ROOT, env=_environment(connector_settings), stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        commands = [command_envelope(make_command(dossier_code(n), 2)) for n in range(1, 31)]
        await publish(connector_settings.kafka_bootstrap_servers, connector_settings.topic_prefix, commands)
        async with TopicReader(connector_settings.kafka_bootstrap_servers, topics.outcomes) as outcomes:
            await outcomes.wait_for(4, within=60)
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 30)
            await outcomes.wait_for(4, settle=1.0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text[-3000:]
    answered = len(outcomes.records)
    assert answered < len(commands), "SIGTERM was meant to land mid-stream"

    admin = AIOKafkaAdminClient(bootstrap_servers=connector_settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(connector_settings.group_id)
    finally:
        await admin.close()
    assert sum(offset.offset for offset in committed.values()) == answered
    assert "command consumer stopped" in text
    assert PERSONAL_ID not in text
    assert APPLICANT_NAME not in text
    assert connector_settings.portal_client_secret.get_secret_value() not in text
