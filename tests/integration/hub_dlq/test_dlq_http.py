"""The dead-letter operations over real HTTP (the hub's ``/dlq`` routes) against a real broker: counts, masked
letters, replay once then skipped, discard only with a reason, operators named and audited."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from hub.app.dlq_api import OPERATOR_HEADER, dlq_routes
from hub.dlq import DlqSettings
from tests.fixtures.province import read_topic
from tests.integration.hub_dlq.queue import GARBAGE_SECRETS, DeadLetterQueue, fill_queue
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE

pytestmark = pytest.mark.kafka

PERSONAL = (APPLICANT_NAME, PERSONAL_ID, PHONE, *GARBAGE_SECRETS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def queue(kafka_bootstrap: str, topic_prefix: str) -> DeadLetterQueue:
    return await fill_queue(kafka_bootstrap, topic_prefix)


@pytest.fixture
async def api(queue: DeadLetterQueue) -> AsyncIterator[httpx.AsyncClient]:
    settings = DlqSettings(kafka_bootstrap_servers=queue.bootstrap, topic_prefix=queue.prefix, operator="hub")
    port = _free_port()
    config = uvicorn.Config(
        Starlette(routes=dlq_routes(settings)), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():  # noqa: ASYNC110 -- uvicorn offers no event
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def test_counts_and_letters_are_served_with_personal_data_masked(
    queue: DeadLetterQueue, api: httpx.AsyncClient
) -> None:
    counts = (await api.get("/dlq")).json()
    assert counts["total"] == 4
    assert counts["by_topic"] == {queue.dossier_dlq: 3, queue.payment_dlq: 1}
    answer = await api.get("/dlq/letters", params={"topic": queue.dossier_dlq})
    assert answer.status_code == 200
    assert len(answer.json()["letters"]) == 3
    assert not [secret for secret in PERSONAL if secret in answer.text]
    bad = await api.get("/dlq/letters", params={"id": "not-an-id"})
    assert bad.status_code == 400


async def test_a_replay_is_audited_under_its_operator_and_a_second_one_is_skipped(
    queue: DeadLetterQueue, api: httpx.AsyncClient
) -> None:
    first = queue.id_of("first")
    nameless = await api.post("/dlq/replay", json={"ids": [first]})
    assert nameless.status_code == 400
    assert OPERATOR_HEADER in nameless.json()["error"]

    headers = {OPERATOR_HEADER: "mai"}
    once = (await api.post("/dlq/replay", json={"ids": [first]}, headers=headers)).json()
    assert once["sent"] == 1
    again = (await api.post("/dlq/replay", json={"ids": [first]}, headers=headers)).json()
    assert again.get("sent", 0) == 0
    assert again["replayed_before"] == 1
    original = queue.originals[first]
    landed = [r for r in await read_topic(queue.bootstrap, original.topic) if r.value == original.value]
    assert len(landed) == 1, "replayed once, whatever was asked twice"

    reasonless = await api.post("/dlq/discard", json={"ids": [queue.id_of("payment")]}, headers=headers)
    assert reasonless.status_code == 400
    discarded = await api.post(
        "/dlq/discard",
        json={"ids": [queue.id_of("payment")], "reason": "duplicate of a settled payment"},
        headers=headers,
    )
    assert discarded.status_code == 200
    assert (await api.get("/dlq")).json()["total"] == 3, "a discarded dead letter is no longer counted"

    records = (await api.get("/dlq/history")).json()["records"]
    acts = [(r["action"], r["operator"]) for r in records]
    assert ("replay", "mai") in acts
    assert ("discard", "mai") in acts
