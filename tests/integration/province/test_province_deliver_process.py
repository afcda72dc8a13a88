"""``lienthong connector province deliver`` as a real process: delivers, stops on SIGTERM with everything
committed and exit status 0, and logs no personal data."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from connectors.province import SIGNATURE_HEADER, verify_signature
from contracts import ROUTED_SUBMISSION_TOPIC
from tests.fixtures.processes import environment, spawn, stop_process
from tests.fixtures.province import cli_command, read_topic
from tests.integration.province.webhook_harness import (
    SECRET,
    WebhookServer,
    committed_offsets,
    publish,
    wait_until,
)
from tests.unit.province.routed_factories import APPLICANT_NAME, PERSONAL_ID, routed

pytestmark = pytest.mark.kafka


async def test_the_command_delivers_and_stops_cleanly_on_sigterm(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """Three submissions reach the webhook signed; SIGTERM ends the process with 0, offsets at the end."""
    topic = f"{topic_prefix}{ROUTED_SUBMISSION_TOPIC.name}"
    envelopes = [routed(seq) for seq in (1, 2, 3)]
    log = tmp_path / "deliver.log"
    with WebhookServer() as webhook:
        env = environment(
            "LIENTHONG_PROVINCE_",
            {"webhook_secret": SECRET, "deliver_backoff_seconds": "0.2"},
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        )
        command = cli_command(
            "deliver",
            "--webhook-url",
            webhook.url,
            "--topic-prefix",
            topic_prefix,
            "--group-id",
            group_id,
            "--log-level",
            "info",
        )
        process = spawn(command, env=env, log=log)
        try:
            await publish(kafka_bootstrap, topic_prefix, envelopes)
            ends: dict[int, int] = {}
            for record in await read_topic(kafka_bootstrap, topic):
                ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)

            def alive_and_delivered() -> bool:
                assert process.poll() is None, f"deliver exited:\n{log.read_text()}"
                return len(webhook.delivered()) >= 3

            await wait_until(alive_and_delivered, within=60, what="three deliveries")

            async def committed() -> bool:
                return await committed_offsets(kafka_bootstrap, group_id, topic) == ends

            await wait_until(committed, what="offsets committed to the end")
            process.send_signal(signal.SIGTERM)
            try:
                status = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pytest.fail(f"deliver did not stop on SIGTERM:\n{log.read_text()}")
        finally:
            stop_process(process)
        received = webhook.requests()

    output = log.read_text()
    assert status == 0, output
    assert sorted(item.event_id for item in received) == sorted(envelope.id for envelope in envelopes)
    assert all(
        verify_signature(item.body, item.headers[SIGNATURE_HEADER], SECRET.encode()) for item in received
    )
    assert output.count("submission delivered") == 3
    assert "delivery stopped" in output
    assert PERSONAL_ID not in output
    assert APPLICANT_NAME not in output
    assert SECRET not in output
