"""The ingest's request handling on an in-memory sink: content types, sizes, JSON, all-or-nothing, answers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.errors import PublishError
from connectors.province import EVENTS_PATH, InMemorySink, ProvinceSettings, create_app
from contracts import decode
from contracts.structured import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE, from_structured
from tests.fixtures.province import cloudevent

ONE = {"content-type": EVENT_MEDIA_TYPE}
BATCH = {"content-type": BATCH_MEDIA_TYPE}


@pytest.fixture
def sink() -> InMemorySink:
    return InMemorySink(topic_prefix="unit.")


@contextlib.asynccontextmanager
async def running(sink: InMemorySink, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The ingest in this event loop (lifespan included), with a client speaking ASGI to it."""
    app = create_app(ProvinceSettings(**settings), sink_factory=lambda: sink)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            if sink.reachable:
                await app.state.ingest.link.wait_connected()
            yield client


@pytest.fixture
async def client(sink: InMemorySink) -> AsyncIterator[httpx.AsyncClient]:
    async with running(sink, max_body_bytes=64 * 1024, max_batch_events=5) as client:
        yield client


async def post(client: httpx.AsyncClient, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(EVENTS_PATH, content=content, headers=headers)


async def test_one_event_is_accepted_and_published_as_sent(
    client: httpx.AsyncClient, sink: InMemorySink
) -> None:
    event = cloudevent(1)
    answer = await post(client, event, ONE)
    assert answer.status_code == 202
    assert answer.json() == {"accepted": 1, "ids": [event["id"]]}
    (record,) = sink.topics["unit.lienthong.dossier.events.v1"]
    assert decode(record.key, record.value, record.headers) == from_structured(event)


async def test_a_batch_is_accepted_whole_in_order(client: httpx.AsyncClient, sink: InMemorySink) -> None:
    events = [cloudevent(i) for i in range(5)]
    answer = await post(client, events, {"content-type": f"{BATCH_MEDIA_TYPE}; charset=utf-8"})
    assert answer.status_code == 202
    assert answer.json()["ids"] == [event["id"] for event in events]
    assert [decode(r.key, r.value, r.headers).id for r in sink.records()] == answer.json()["ids"]


async def test_one_invalid_event_refuses_the_whole_batch(
    client: httpx.AsyncClient, sink: InMemorySink
) -> None:
    events = [cloudevent(0), cloudevent(1, status=0), cloudevent(2)]
    answer = await post(client, events, BATCH)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_events"
    assert [(r["index"], r["id"]) for r in body["rejected"]] == [(1, events[1]["id"])]
    assert "data: status" in body["rejected"][0]["reason"]
    assert sink.records() == []


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/cloudevents+xml", "", f"{EVENT_MEDIA_TYPE}; charset=latin-1"],
)
async def test_other_content_types_are_415(client: httpx.AsyncClient, content_type: str) -> None:
    answer = await post(client, cloudevent(1), {"content-type": content_type})
    assert answer.status_code == 415
    assert answer.json()["accepted"] == [EVENT_MEDIA_TYPE, BATCH_MEDIA_TYPE]


async def test_oversized_bodies_and_batches_are_413(client: httpx.AsyncClient, sink: InMemorySink) -> None:
    assert (await post(client, b"[" + b" " * 70_000 + b"]", BATCH)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield b"["
        for _ in range(100):
            yield b" " * 1000
        yield b"]"

    streamed = await client.post(EVENTS_PATH, content=chunks(), headers=BATCH)  # no Content-Length
    assert streamed.status_code == 413
    assert streamed.json()["error"] == "body_too_large"
    too_many = await post(client, [cloudevent(i) for i in range(6)], BATCH)
    assert too_many.status_code == 413
    assert too_many.json()["reason"] == "a batch holds at most 5 events; got 6"
    assert sink.records() == []


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"{", ONE, "body is not valid JSON: Expecting property name"),
        (b"\xff", ONE, "body is not valid UTF-8"),
        (b"{}", BATCH, "a batch must be a JSON array of events, got an object"),
        (b"[]", BATCH, "a batch must hold at least one event"),
    ],
)
async def test_bodies_that_are_not_json_of_the_right_shape_are_400(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], reason: str
) -> None:
    answer = await post(client, body, headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_body"
    assert answer.json()["reason"].startswith(reason)


async def test_an_array_sent_as_one_event_is_refused_per_event(client: httpx.AsyncClient) -> None:
    answer = await post(client, [cloudevent(1)], ONE)
    assert answer.status_code == 400
    assert answer.json()["rejected"][0]["reason"] == "an event must be a JSON object, got an array"


async def test_a_publish_failure_is_503_with_retry_after(
    client: httpx.AsyncClient, sink: InMemorySink
) -> None:
    sink.failure = PublishError("Kafka did not acknowledge the records: KafkaTimeoutError")
    answer = await post(client, cloudevent(1), ONE)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["error"] == "publish_failed"


async def test_without_kafka_it_is_alive_not_ready_and_answers_503() -> None:
    sink = InMemorySink(reachable=False)
    async with running(sink) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not_ready"
        answer = await post(client, cloudevent(1), ONE)
        assert answer.status_code == 503
        assert answer.json()["error"] == "not_ready"
        assert (await post(client, cloudevent(1, status=0), ONE)).status_code == 400  # validation comes first


async def test_unknown_paths_and_methods_answer_json(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nowhere")).json()["error"] == "not_found"
    assert (await client.get(EVENTS_PATH)).status_code == 405
