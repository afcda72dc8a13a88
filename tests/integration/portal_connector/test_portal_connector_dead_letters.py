"""Records that are not sync commands go to the dead-letter topic byte for byte; the next one is processed."""

from __future__ import annotations

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from connectors.portal import PortalConnector, PortalConnectorSettings
from contracts import PortalSyncCompleted, encode
from tests.integration.portal_connector.connector_harness import TopicReader, produce_raw, publish, running
from tests.unit.portal_connector.portal_factories import (
    command_envelope,
    dossier_code,
    make_command,
    make_snapshot,
)

pytestmark = pytest.mark.kafka


async def test_undecodable_and_foreign_records_are_dead_lettered(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """Garbage and a valid event of another type land in <commands>.dlq unchanged, with the reason headers."""
    bootstrap, prefix = connector_settings.kafka_bootstrap_servers, connector_settings.topic_prefix
    code = dossier_code(9)
    connector = PortalConnector(connector_settings, poll=False)
    garbage_headers = [
        ("ce_type", b"vn.gov.lienthong.portal.sync_requested.v1"),
        ("x-trace", b"\x00\x01\xff"),
    ]
    foreign = encode(command_envelope(make_snapshot(code, status=2)))  # a dossier event, not a command
    async with running(connector):
        await produce_raw(
            bootstrap,
            connector.topics.commands,
            key=code.encode(),
            value=b"\xff\xfe{not json",
            headers=garbage_headers,
        )
        await produce_raw(
            bootstrap,
            connector.topics.commands,
            key=foreign.key,
            value=foreign.value,
            headers=list(foreign.headers),
        )
        await publish(bootstrap, prefix, [command_envelope(make_command(code, status=2))])
        async with TopicReader(bootstrap, connector.topics.outcomes) as outcomes:
            await outcomes.wait_for(1)
        async with TopicReader(bootstrap, connector.topics.command_dead_letters) as dead:
            await dead.wait_for(2, settle=0.5)
    assert isinstance(outcomes.events()[0].data, PortalSyncCompleted)
    assert connector.stats.dead_lettered == 2

    first, second = sorted(dead.records, key=lambda record: record.offset)
    assert (first.key, first.value) == (code.encode(), b"\xff\xfe{not json")
    assert list(first.headers[:2]) == garbage_headers
    added = dict(first.headers[2:])
    assert added["dlq_error_class"] == b"MissingHeaderError"
    assert b"missing required header" in added["dlq_reason"]
    assert added["dlq_original_topic"] == connector.topics.commands.encode()
    assert added["dlq_original_offset"] == b"0"
    assert added["dlq_consumer_group"] == connector_settings.group_id.encode()
    assert int(added["dlq_original_partition"]) == first.partition  # same key, same partition count
    assert (second.key, second.value) == (foreign.key, foreign.value)
    assert list(second.headers[: len(foreign.headers)]) == list(foreign.headers)
    assert dict(second.headers)["dlq_error_class"] == b"EventRefusedError"

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(connector_settings.group_id)
    finally:
        await admin.close()
    partition = TopicPartition(connector.topics.commands, first.partition)
    assert committed[partition].offset == 3  # past both dead letters and the command
