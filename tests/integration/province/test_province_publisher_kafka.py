"""The publisher library against a real broker: what it reports landed is where it says, decodable as sent."""

from __future__ import annotations

import pytest

from connectors.errors import EventRefusedError, PublishError
from connectors.province import ProvincePublisher
from contracts import DossierStatusChanged, InvalidPayloadError, decode
from tests.fixtures.portal import free_port
from tests.fixtures.province import cloudevent, dossier_topic, read_topic
from tests.unit.contracts.factories import dossier_fields, make_dossier, make_envelope, make_payment

pytestmark = pytest.mark.kafka

SOURCE = "000.00.00.H56"


async def test_round_trip_through_kafka(kafka_bootstrap: str, topic_prefix: str) -> None:
    async with ProvincePublisher(kafka_bootstrap, source=SOURCE, topic_prefix=topic_prefix) as publisher:
        events = [
            publisher.envelope(make_dossier()),
            publisher.from_data(
                DossierStatusChanged.event_type, dossier_fields(dossier_code="000.00.20.H56-250612-0008")
            ),
            ProvincePublisher.from_cloudevent(cloudevent(9)),
        ]
        receipts = await publisher.publish_many(events)
        single = await publisher.publish(make_dossier(status=6))

    records = await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    landed = {(r.topic, r.partition, r.offset): decode(r.key, r.value, r.headers) for r in records}
    assert len(landed) == 4
    for receipt, sent in zip([*receipts, single], [*events, None], strict=True):
        envelope = landed[(receipt.topic, receipt.partition, receipt.offset)]
        assert envelope.id == receipt.id
        if sent is not None:
            assert envelope == sent
    assert all(receipt.topic == dossier_topic(topic_prefix) for receipt in receipts)


async def test_nothing_is_sent_when_one_event_is_invalid_or_refused(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    async with ProvincePublisher(kafka_bootstrap, source=SOURCE, topic_prefix=topic_prefix) as publisher:
        with pytest.raises(InvalidPayloadError):
            await publisher.publish_many([make_dossier(), make_dossier().model_copy(update={"channel": 9})])
        with pytest.raises(EventRefusedError):
            await publisher.publish_many([make_dossier(), make_envelope(make_payment())])
    assert await read_topic(kafka_bootstrap, dossier_topic(topic_prefix)) == []


async def test_an_unreachable_broker_is_a_publish_error() -> None:
    publisher = ProvincePublisher(f"127.0.0.1:{free_port()}", source=SOURCE)
    with pytest.raises(PublishError, match="cannot connect to Kafka"):
        await publisher.start()
    await publisher.stop()
