"""The hub's subscribers are wired to the contract topics and call the rules (in-memory broker, no Kafka)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from faststream.kafka import TestKafkaBroker

from contracts import DOSSIER_TOPIC, IDENTITY_TOPIC, SUBMISSION_TOPIC, encode
from hub.app import create_app
from hub.settings import HubSettings
from hub.store import open_store
from tests.unit.hub.factories import AGENCY, CODE, at, envelope, event, issued, submission


@pytest.mark.kafka
async def test_a_dossier_event_reaches_the_ledger_and_stores_one_command() -> None:
    """One subscriber over the five consumed topics (and one over the dead-letter tool's audit log); a dossier
    event becomes an entry and one outbox row."""
    store = await open_store("sqlite:///:memory:")
    settings = HubSettings(topic_prefix="wiring.", http_enabled=False)
    app = create_app(settings, store)
    subscribed = {topic.name for sub in app.broker.subscribers for topic in cast("Any", sub).topics}
    assert f"wiring.{DOSSIER_TOPIC.name}" in subscribed
    assert len(subscribed) == 6
    assert "wiring.lienthong.dlq.audit.v1" in subscribed
    record = encode(event(4, at(1, 9), "e-1"))
    async with TestKafkaBroker(app.broker) as broker:
        await broker.publish(
            record.value,
            f"wiring.{DOSSIER_TOPIC.name}",
            key=record.key,
            headers={name: value.decode() for name, value in record.headers},
        )
    stored = await store.load(CODE)
    assert stored is not None
    assert '"revision":1' in stored.entry_json.replace(" ", "")
    pending = await store.pending_outbox()
    assert [p.message.topic for p in pending] == ["wiring.lienthong.portal.commands.v1"]
    await store.close()


@pytest.mark.kafka
async def test_identity_and_submission_records_update_the_routing_table_and_the_entry() -> None:
    """An identity event replaces the routing table; an online submission is recorded on its dossier."""
    store = await open_store("sqlite:///:memory:")
    app = create_app(HubSettings(http_enabled=False), store)
    issued_record = encode(envelope(issued(AGENCY), "id-1", source="identity-connector"))
    submitted = encode(submission())
    async with TestKafkaBroker(app.broker) as broker:
        for topic, record in ((IDENTITY_TOPIC, issued_record), (SUBMISSION_TOPIC, submitted)):
            await broker.publish(
                record.value,
                topic.name,
                key=record.key,
                headers={name: value.decode() for name, value in record.headers},
            )
    table = await store.get_state("routing_table")
    assert table is not None
    assert AGENCY in table.value_json
    stored = await store.load(CODE)
    assert stored is not None
    assert '"submission":{' in stored.entry_json.replace(" ", "")
    await store.close()
