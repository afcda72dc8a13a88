"""kill -9 of the ingest while clients post concurrently: every event it answered 202 for is on the topic."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from contracts.structured import BATCH_MEDIA_TYPE
from tests.fixtures.province import cloudevent, dossier_topic, header, read_topic
from tests.integration.province.conftest import StartIngest

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

WORKERS = 8
KILL_AFTER_ACKNOWLEDGED = 400


async def test_kill_9_mid_stream_loses_nothing_that_was_acknowledged(
    start_ingest: StartIngest, kafka_bootstrap: str, topic_prefix: str
) -> None:
    ingest = start_ingest()
    acknowledged: set[str] = set()
    interrupted = 0
    enough = asyncio.Event()

    async def client(worker: int) -> None:
        nonlocal interrupted
        sequence = worker * 30_000
        async with httpx.AsyncClient(base_url=ingest.base_url, timeout=30) as http:
            while True:
                size = 1 if sequence % 2 else 10
                events = [cloudevent(sequence + i) for i in range(size)]
                sequence += size
                try:
                    answer = await http.post(
                        "/v1/events", content=json.dumps(events), headers={"content-type": BATCH_MEDIA_TYPE}
                    )
                except httpx.TransportError:
                    interrupted += 1
                    return
                assert answer.status_code == 202, answer.text
                acknowledged.update(answer.json()["ids"])
                if len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED:
                    enough.set()

    clients = [asyncio.create_task(client(worker)) for worker in range(WORKERS)]
    await asyncio.wait_for(enough.wait(), timeout=60)
    ingest.kill()
    await asyncio.wait_for(asyncio.gather(*clients), timeout=60)

    on_topic = {
        header(record, "ce_id") for record in await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    }
    assert interrupted > 0, "the kill should have cut requests in flight"
    assert len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED
    assert acknowledged - on_topic == set()
