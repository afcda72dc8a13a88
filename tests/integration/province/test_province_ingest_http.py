"""The ingest as a real process on a real broker: what it answers 202 is on the dossier topic, as sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import decode
from contracts.structured import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE, from_structured
from tests.fixtures.portal import free_port
from tests.fixtures.province import IngestProcess, cloudevent, dossier_topic, header, read_topic
from tests.integration.province.conftest import StartIngest

ONE = {"content-type": EVENT_MEDIA_TYPE}
BATCH = {"content-type": BATCH_MEDIA_TYPE}


async def post(base_url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        return await client.post("/v1/events", content=content, headers=headers)


@pytest.mark.kafka
async def test_single_and_batch_events_land_on_the_dossier_topic_as_sent(
    start_ingest: StartIngest, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """Each 202'd event decodes (contracts.decode) to the event sent, keyed by its dossier code."""
    ingest = start_ingest()
    single = cloudevent(1)
    batch = [cloudevent(i) for i in range(2, 12)] + [
        cloudevent(2, status=9, processed_at="2025-06-13T10:00:00+07:00")
    ]

    first = await post(ingest.base_url, single, ONE)
    second = await post(ingest.base_url, batch, BATCH)

    assert first.status_code == 202
    assert first.json() == {"accepted": 1, "ids": [single["id"]]}
    assert second.status_code == 202
    assert second.json()["ids"] == [event["id"] for event in batch]
    records = await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    sent = {event["id"]: from_structured(event) for event in [single, *batch]}
    assert len(records) == len(sent)
    for record in records:
        envelope = decode(record.key, record.value, record.headers)
        assert envelope == sent[envelope.id]
        assert record.key == envelope.data.dossier_code.encode()
        assert header(record, "ce_id") == envelope.id
        assert header(record, "ce_type") == "vn.gov.lienthong.dossier.status_changed.v1"
        assert header(record, "ce_source") == "000.00.00.H56"
        assert header(record, "ce_subject") == envelope.data.dossier_code
        assert header(record, "ce_specversion") == "1.0"
    same_dossier = [
        decode(r.key, r.value, r.headers) for r in records if r.key == batch[0]["subject"].encode()
    ]
    assert [e.data.status for e in same_dossier] == [4, 9]  # one dossier's events stay in order


@pytest.mark.kafka
async def test_one_invalid_event_refuses_the_batch_and_nothing_of_it_lands(
    start_ingest: StartIngest, kafka_bootstrap: str, topic_prefix: str
) -> None:
    ingest = start_ingest()
    batch = [cloudevent(i) for i in range(5)]
    batch[3]["data"]["applicant"]["personal_id"] = "0040950012"

    answer = await post(ingest.base_url, batch, BATCH)

    assert answer.status_code == 400
    (rejected,) = answer.json()["rejected"]
    assert (rejected["index"], rejected["id"]) == (3, batch[3]["id"])
    assert "applicant.personal_id" in rejected["reason"]
    assert "0040950012" not in answer.text
    assert await read_topic(kafka_bootstrap, dossier_topic(topic_prefix)) == []


@pytest.mark.kafka
async def test_wrong_content_type_oversized_body_and_bad_json_are_refused(
    start_ingest: StartIngest, kafka_bootstrap: str, topic_prefix: str
) -> None:
    ingest = start_ingest(max_body_bytes="8192", max_batch_events="3")

    unsupported = await post(ingest.base_url, cloudevent(1), {"content-type": "application/json"})
    oversized = await post(ingest.base_url, [cloudevent(i) for i in range(12)], BATCH)
    too_many = await post(ingest.base_url, [cloudevent(1)] * 4, BATCH)
    not_json = await post(ingest.base_url, b'{"specversion": "1.0",', ONE)

    assert (unsupported.status_code, unsupported.json()["error"]) == (415, "unsupported_media_type")
    assert (oversized.status_code, oversized.json()["error"]) == (413, "body_too_large")
    assert (too_many.status_code, too_many.json()["error"]) == (413, "batch_too_large")
    assert (not_json.status_code, not_json.json()["error"]) == (400, "invalid_body")
    assert await read_topic(kafka_bootstrap, dossier_topic(topic_prefix)) == []


def test_without_kafka_the_ingest_is_alive_not_ready_and_answers_503(tmp_path: Path) -> None:
    """Pointed at a closed port, it still serves: /readyz 503, events 503 with Retry-After, never 202."""
    closed = f"127.0.0.1:{free_port()}"
    ingest = IngestProcess(closed, log=tmp_path / "ingest.log").start(ready=False)
    try:
        with httpx.Client(base_url=ingest.base_url, timeout=10) as client:
            ready = client.get("/readyz")
            answer = client.post("/v1/events", content=json.dumps(cloudevent(1)), headers=ONE)
            invalid = client.post("/v1/events", content=json.dumps(cloudevent(1, status=0)), headers=ONE)
            health = client.get("/healthz")
    finally:
        ingest.stop()

    assert health.status_code == 200
    assert (ready.status_code, ready.json()["status"]) == (503, "not_ready")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["error"] == "not_ready"
    assert invalid.status_code == 400
    assert "kafka_unreachable" in (tmp_path / "ingest.log").read_text()
