"""The publisher library on an in-memory sink: validates all first, refuses other types, gives receipts."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.errors import EventRefusedError
from connectors.province import InMemorySink, ProvincePublisher
from contracts import DossierStatusChanged, InvalidPayloadError, decode
from tests.fixtures.province import cloudevent
from tests.unit.contracts.factories import dossier_fields, make_dossier, make_envelope, make_payment

SOURCE = "000.00.00.H56"


@pytest.fixture
async def sink() -> InMemorySink:
    return InMemorySink()


@pytest.fixture
async def publisher(sink: InMemorySink) -> ProvincePublisher:
    publisher = ProvincePublisher("unused:9092", source=SOURCE, sink=sink)
    await publisher.start()
    return publisher


async def test_models_dicts_and_cloudevents_are_published_with_receipts(
    publisher: ProvincePublisher, sink: InMemorySink
) -> None:
    at = dt.datetime(2025, 6, 12, 9, 0, tzinfo=dt.UTC)
    events = [
        publisher.envelope(make_dossier(), event_id="m-1", time=at),
        publisher.from_data(
            DossierStatusChanged.event_type,
            dossier_fields(status=5, supplements=[{"requested_at": "2025-06-12T10:00:00+07:00"}]),
        ),
        ProvincePublisher.from_cloudevent(cloudevent(3, event_id="c-3")),
    ]
    receipts = await publisher.publish_many(events)
    assert [r.id for r in receipts] == [e.id for e in events]
    assert [(r.topic, r.offset) for r in receipts] == [("lienthong.dossier.events.v1", i) for i in range(3)]
    decoded = [decode(r.key, r.value, r.headers) for r in sink.records()]
    assert decoded == events
    assert decoded[0].source == SOURCE
    assert decoded[0].time == at


async def test_a_bare_model_gets_an_envelope_from_the_publishers_source(
    publisher: ProvincePublisher, sink: InMemorySink
) -> None:
    receipt = await publisher.publish(make_dossier())
    (record,) = sink.records()
    envelope = decode(record.key, record.value, record.headers)
    assert (envelope.id, envelope.source) == (receipt.id, SOURCE)


async def test_one_invalid_event_means_nothing_is_sent(
    publisher: ProvincePublisher, sink: InMemorySink
) -> None:
    broken = make_dossier().model_copy(update={"status": 42})  # model_copy skips validation
    with pytest.raises(InvalidPayloadError, match="data: status") as caught:
        await publisher.publish_many([make_dossier(), broken])
    assert caught.value.__notes__ == ["event 1 of the batch; nothing was published"]
    assert sink.records() == []


async def test_other_types_are_refused(publisher: ProvincePublisher, sink: InMemorySink) -> None:
    with pytest.raises(EventRefusedError, match="payment events come from the payment connector"):
        await publisher.publish(make_envelope(make_payment()))
    with pytest.raises(EventRefusedError):
        publisher.envelope(make_payment())
    assert sink.records() == []


def test_a_naive_time_or_a_bad_source_is_refused() -> None:
    publisher = ProvincePublisher("unused:9092", source=SOURCE, sink=InMemorySink())
    with pytest.raises(InvalidPayloadError, match="attribute time must be an RFC 3339 timestamp"):
        publisher.envelope(make_dossier(), time=dt.datetime(2025, 6, 12, 9, 0))
    with pytest.raises(ValueError, match="source: code must be printable ASCII"):
        ProvincePublisher("unused:9092", source="Sở Tư pháp", sink=InMemorySink())
