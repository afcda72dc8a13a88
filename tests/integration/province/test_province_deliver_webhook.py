"""``deliver`` against the real broker and a real HTTP webhook: every routed submission once, in dossier
order, committed only after a 2xx; an outage holds the partitions; refusals and undecodable records are dead
letters; a stop finishes the record in flight."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from connectors.province import SIGNATURE_HEADER, SubmissionDelivery, verify_signature
from contracts import Envelope
from contracts.structured import from_structured
from tests.fixtures.province import read_topic
from tests.integration.province.webhook_harness import (
    SECRET,
    WebhookServer,
    committed_offsets,
    delivery_settings,
    publish,
    running,
    wait_until,
)
from tests.unit.province.routed_factories import PERSONAL_ID, dossier_code, routed

pytestmark = pytest.mark.kafka


def _submissions(dossiers: int, revisions: int) -> list[Envelope[Any]]:
    """Each dossier routed ``revisions`` times; dossiers interleaved, each dossier's revisions in order."""
    return [routed(seq, rev) for rev in range(1, revisions + 1) for seq in range(1, dossiers + 1)]


def _order(received: list[Any], code: str) -> list[str]:
    return [item.event_id for item in received if item.dossier_code == code]


async def _ends(bootstrap: str, topic: str) -> dict[int, int]:
    ends: dict[int, int] = {}
    for record in await read_topic(bootstrap, topic):
        ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)
    return ends


async def _committed_to_end(bootstrap: str, group_id: str, topic: str, ends: dict[int, int]) -> bool:
    return await committed_offsets(bootstrap, group_id, topic) == ends


async def test_every_submission_is_delivered_once_in_dossier_order_and_committed(
    kafka_bootstrap: str, topic_prefix: str, group_id: str
) -> None:
    """Healthy webhook: each event arrives once, signed, each dossier's in order; offsets at the end."""
    envelopes = _submissions(dossiers=6, revisions=3)
    with WebhookServer() as webhook:
        settings = delivery_settings(kafka_bootstrap, topic_prefix, group_id, webhook.url)
        delivery = SubmissionDelivery(settings)
        await publish(kafka_bootstrap, topic_prefix, envelopes)
        ends = await _ends(kafka_bootstrap, delivery.topic)
        async with running(delivery):
            await wait_until(lambda: len(webhook.delivered()) >= len(envelopes), what="every submission")
            await wait_until(
                lambda: _committed_to_end(kafka_bootstrap, group_id, delivery.topic, ends),
                what="offsets committed to the end",
            )
        received = webhook.requests()

    assert Counter(item.event_id for item in received) == Counter(envelope.id for envelope in envelopes)
    assert all(item.status == 200 for item in received)
    for seq in range(1, 7):
        assert _order(received, dossier_code(seq)) == [f"routed-{seq}-{rev}" for rev in (1, 2, 3)]
    by_id = {envelope.id: envelope for envelope in envelopes}
    for item in received:
        assert item.headers["Content-Type"] == "application/cloudevents+json; charset=utf-8"
        assert verify_signature(item.body, item.headers[SIGNATURE_HEADER], SECRET.encode())
        assert from_structured(item.event) == by_id[item.event_id]
        assert item.event["data"]["dossier"]["applicant"]["personal_id"] == PERSONAL_ID
    assert (delivery.stats.delivered, delivery.stats.dead_lettered, delivery.stats.held) == (18, 0, 0)
    assert await read_topic(kafka_bootstrap, delivery.dead_letter_topic) == []


async def test_an_outage_holds_the_partitions_and_nothing_is_lost_or_skipped(
    kafka_bootstrap: str, topic_prefix: str, group_id: str
) -> None:
    """503s and 429s: no commit while nothing is delivered; once it recovers, everything arrives in order."""
    down = threading.Event()
    down.set()
    failures = Counter[int]()

    def answer(_event_id: str, _event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if not down.is_set():
            return 200, {}, b""
        status = 429 if sum(failures.values()) % 2 else 503
        failures[status] += 1
        return status, {"Retry-After": "1"}, b""

    envelopes = _submissions(dossiers=4, revisions=3)
    with WebhookServer(answer) as webhook:
        settings = delivery_settings(kafka_bootstrap, topic_prefix, group_id, webhook.url)
        delivery = SubmissionDelivery(settings)
        await publish(kafka_bootstrap, topic_prefix, envelopes)
        ends = await _ends(kafka_bootstrap, delivery.topic)
        async with running(delivery):
            await wait_until(lambda: delivery.stats.backoffs >= 3, what="the partitions held three times")
            assert webhook.delivered() == []
            assert await committed_offsets(kafka_bootstrap, group_id, delivery.topic) == {}
            down.clear()
            await wait_until(lambda: len(webhook.delivered()) >= len(envelopes), what="every submission")
            await wait_until(
                lambda: _committed_to_end(kafka_bootstrap, group_id, delivery.topic, ends),
                what="offsets committed to the end",
            )
        delivered = webhook.delivered()

    assert failures[503] > 0
    assert failures[429] > 0
    assert Counter(item.event_id for item in delivered) == Counter(envelope.id for envelope in envelopes)
    for seq in range(1, 5):
        assert _order(delivered, dossier_code(seq)) == [f"routed-{seq}-{rev}" for rev in (1, 2, 3)]
    assert delivery.stats.delivered == 12
    assert delivery.stats.held >= 3
    assert delivery.stats.dead_lettered == 0
    assert await read_topic(kafka_bootstrap, delivery.dead_letter_topic) == []


async def test_refused_and_undecodable_records_are_dead_letters_and_the_rest_is_delivered(
    kafka_bootstrap: str, topic_prefix: str, group_id: str
) -> None:
    """A 400 for one event and a record that is no event: both on <topic>.dlq byte for byte, with context."""
    refused_id = "routed-2-2"

    def answer(event_id: str, _event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if event_id == refused_id:
            reason = f'{{"error": "unknown_procedure", "reason": "applicant {PERSONAL_ID}"}}'
            return 400, {"Content-Type": "application/json"}, reason.encode()
        return 200, {}, b""

    envelopes = _submissions(dossiers=3, revisions=3)
    garbage_headers = [("x-trace", b"\x00\x01\xff")]
    with WebhookServer(answer) as webhook:
        settings = delivery_settings(kafka_bootstrap, topic_prefix, group_id, webhook.url)
        delivery = SubmissionDelivery(settings)
        await publish(kafka_bootstrap, topic_prefix, envelopes)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            key = dossier_code(2).encode()
            await (
                await producer.send(delivery.topic, key=key, value=b"\xff{not json", headers=garbage_headers)
            )
        finally:
            await producer.stop()
        source = {(r.partition, r.offset): r for r in await read_topic(kafka_bootstrap, delivery.topic)}
        ends = await _ends(kafka_bootstrap, delivery.topic)

        async with running(delivery):
            await wait_until(lambda: len(webhook.delivered()) >= len(envelopes) - 1, what="the others")
            await wait_until(
                lambda: _committed_to_end(kafka_bootstrap, group_id, delivery.topic, ends),
                what="offsets committed to the end",
            )
        received = webhook.requests()
    dead = await read_topic(kafka_bootstrap, delivery.dead_letter_topic)

    assert [item.event_id for item in received if item.status == 400] == [
        refused_id
    ]  # refused once, no retry
    assert Counter(item.event_id for item in received if item.status == 200) == Counter(
        envelope.id for envelope in envelopes if envelope.id != refused_id
    )
    assert _order(received, dossier_code(2)) == ["routed-2-1", refused_id, "routed-2-3"]
    assert (delivery.stats.delivered, delivery.stats.dead_lettered) == (8, 2)

    assert len(dead) == 2
    by_class = {dict(record.headers)["dlq_error_class"]: record for record in dead}
    assert set(by_class) == {b"WebhookRefusedError", b"MissingHeaderError"}
    for record in dead:
        added = dict(record.headers)
        original = source[(int(added["dlq_original_partition"]), int(added["dlq_original_offset"]))]
        assert (record.key, record.value) == (original.key, original.value)
        assert list(record.headers[: len(original.headers)]) == list(original.headers)
        assert added["dlq_original_topic"] == delivery.topic.encode()
        assert added["dlq_consumer_group"] == group_id.encode()
        assert added["dlq_attempts"] == b"1"
        assert PERSONAL_ID.encode() not in b"".join(value or b"" for _, value in record.headers)

    refused = dict(by_class[b"WebhookRefusedError"].headers)
    assert refused["ce_id"] == refused_id.encode()
    assert refused["dlq_reason"] == b"the webhook refused the event: HTTP 400 (unknown_procedure)"
    assert refused["dlq_webhook_status"] == b"400"
    garbage = by_class[b"MissingHeaderError"]
    assert (garbage.value, list(garbage.headers[:1])) == (b"\xff{not json", garbage_headers)
    assert "dlq_webhook_status" not in dict(garbage.headers)


async def test_stopping_finishes_the_record_in_flight_commits_it_and_a_restart_goes_on(
    kafka_bootstrap: str, topic_prefix: str, group_id: str
) -> None:
    """Stop while a POST is in flight: it completes and is committed, the next waits for the next run."""
    entered, release = threading.Event(), threading.Event()

    def answer(event_id: str, _event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if event_id == "routed-1-2":
            entered.set()
            release.wait(timeout=30)
        return 200, {}, b""

    envelopes = [routed(1, rev) for rev in (1, 2, 3)]
    with WebhookServer(answer) as webhook:
        settings = delivery_settings(kafka_bootstrap, topic_prefix, group_id, webhook.url)
        await publish(kafka_bootstrap, topic_prefix, envelopes)
        first = SubmissionDelivery(settings)
        ((partition, end),) = (await _ends(kafka_bootstrap, first.topic)).items()
        stop = asyncio.Event()
        task = asyncio.create_task(first.run(stop))
        try:
            await wait_until(entered.is_set, what="the second POST in flight")
            stop.set()
            await asyncio.sleep(0)
        finally:
            release.set()
            await asyncio.wait_for(task, timeout=30)
        assert [item.event_id for item in webhook.delivered()] == ["routed-1-1", "routed-1-2"]
        assert await committed_offsets(kafka_bootstrap, group_id, first.topic) == {partition: end - 1}

        second = SubmissionDelivery(settings)
        async with running(second):
            await wait_until(lambda: len(webhook.delivered()) >= 3, what="the last submission")
            await wait_until(
                lambda: _committed_to_end(kafka_bootstrap, group_id, second.topic, {partition: end}),
                what="offsets committed to the end",
            )
        assert [item.event_id for item in webhook.delivered()] == ["routed-1-1", "routed-1-2", "routed-1-3"]
