"""A real province webhook for the delivery tests, and helpers to drive the delivery against the real broker.

:class:`WebhookServer` is a threaded ``http.server`` on a free loopback port. Each POST is answered by
the test's ``answer`` function (given the ``ce-id`` and the parsed event) and recorded — headers, body,
status — so tests can check what arrived, in which order, and how often.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from connectors.province import ProvinceSettings, SubmissionDelivery
from connectors.publishing import EventPublisher
from contracts import Envelope, EventData

__all__ = [
    "SECRET",
    "Answer",
    "Received",
    "WebhookServer",
    "committed_offsets",
    "delivery_settings",
    "ok",
    "publish",
    "running",
    "wait_until",
]

SECRET = "province-webhook-secret"  # noqa: S105 - the shared secret of a throwaway test webhook

Answer = Callable[[str, dict[str, Any]], tuple[int, dict[str, str], bytes]]
"""(ce-id, event) -> (status, headers, body) of the answer."""


def ok(_event_id: str, _event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, b""


@dataclass(frozen=True)
class Received:
    """One POST the webhook received, and what it answered."""

    event_id: str
    status: int
    headers: dict[str, str]
    body: bytes
    event: dict[str, Any]

    @property
    def dossier_code(self) -> str:
        return str(self.event["subject"])


class WebhookServer:
    """The province system's webhook, as a real HTTP server on 127.0.0.1."""

    def __init__(self, answer: Answer = ok) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/submissions"

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def delivered(self) -> list[Received]:
        """The POSTs answered 2xx, in the order they arrived."""
        return [item for item in self.requests() if 200 <= item.status < 300]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                event = json.loads(body)
                event_id = self.headers.get("ce-id", "")
                status, headers, answer = server.answer(event_id, event)
                with server._lock:
                    server.received.append(Received(event_id, status, dict(self.headers), body, event))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's signature
                return

        return Handler


def delivery_settings(
    bootstrap: str, prefix: str, group_id: str, webhook_url: str, **values: Any
) -> ProvinceSettings:
    """Settings with short waits: retries and the held partition's pause take a fraction of a second."""
    defaults: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "topic_prefix": prefix,
        "deliver_group_id": group_id,
        "webhook_url": webhook_url,
        "webhook_secret": SECRET,
        "webhook_timeout_seconds": 5.0,
        "webhook_retry_max_attempts": 3,
        "webhook_retry_max_delay_seconds": 2.0,
        "webhook_retry_initial_wait_seconds": 0.01,
        "webhook_retry_max_wait_seconds": 0.05,
        "webhook_retry_after_cap_seconds": 0.1,
        "deliver_backoff_seconds": 0.2,
    }
    return ProvinceSettings(**(defaults | values))


@contextlib.asynccontextmanager
async def running(delivery: SubmissionDelivery, *, stop_within: float = 30.0) -> AsyncIterator[asyncio.Event]:
    """Run ``delivery`` in the background; on exit, stop it and re-raise what it raised."""
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop), name="province-deliver")
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=stop_within)


async def publish(bootstrap: str, prefix: str, envelopes: Sequence[Envelope[EventData]]) -> None:
    async with EventPublisher(
        bootstrap, client_id="tests-province-deliver", topic_prefix=prefix
    ) as publisher:
        await publisher.publish_many(list(envelopes))


async def committed_offsets(bootstrap: str, group_id: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of ``topic`` (partitions never committed left out)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="tests-province-deliver")
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id)
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0
    }


async def wait_until(check: Callable[[], bool | Awaitable[bool]], *, within: float = 30.0, what: str) -> None:
    """Return once ``check()`` holds; fail with ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.05)
