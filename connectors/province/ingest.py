"""The HTTP way in for provincial one-stop systems: CloudEvents structured mode, answered only once durable.

``create_app(settings)`` builds the Starlette application (nothing touches the network before it starts)::

    POST /v1/events   application/cloudevents+json         one event
                      application/cloudevents-batch+json   a JSON array of events
    GET  /healthz     the process runs (200)
    GET  /readyz      200 when a Kafka broker answers the publisher, else 503

A request is all-or-nothing: every event is validated and admitted (:mod:`connectors.province.admission`)
before anything is published, and one refused event refuses the request (400, a reason per refused event), so
a sender fixes its batch and sends it again whole. An accepted request is published pipelined and answered
202 only after Kafka acknowledged every record (acks=all): a 202 is a promise the events are on the topic.
When Kafka does not acknowledge within ``publish_timeout_seconds``, the answer is 503 with ``Retry-After``;
some records may have been written, and the retry's duplicates carry the same ``source``/``id``, by which
consumers deduplicate.

Other answers: 413 when the body or the batch is too large, 415 for any other content type (binary mode is
not taken here), 400 for a body that is not UTF-8 JSON of the right shape. Every answer is JSON with an
``error`` code and a ``reason`` that never quotes input values. One log line per ``POST``: outcome, status,
event counts, latency — no event content.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.errors import PublishError
from connectors.province.admission import ACCEPTED_EVENT_TYPES, admit_batch
from connectors.province.connection import Prepare, PublisherLink, SinkFactory
from connectors.province.settings import ProvinceSettings
from connectors.province.sink import EventSink, publish_within
from connectors.publishing import EventPublisher
from contracts import ContractError, Envelope, EventData
from contracts.structured import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE, parse_structured

__all__ = ["EVENTS_PATH", "create_app", "publisher_factory"]

EVENTS_PATH = "/v1/events"

_log = structlog.get_logger("province.ingest")
_UTF8 = frozenset({"utf-8", "utf8"})


class _RefusalError(Exception):
    """An answer other than 202, with what the log line says about it."""

    def __init__(self, status: int, error: str, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason, self.extra = status, error, reason, extra
        self.headers: dict[str, str] = {}


def _batch_mode(content_type: str) -> bool | None:
    """True for a batch, False for one event, None for a content type this endpoint does not take."""
    media_type, *parameters = (part.strip().lower() for part in content_type.split(";"))
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in _UTF8:
            return None
    return {EVENT_MEDIA_TYPE: False, BATCH_MEDIA_TYPE: True}.get(media_type)


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = _RefusalError(413, "body_too_large", f"the body exceeds {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class _Ingest:
    settings: ProvinceSettings
    link: PublisherLink

    def _unavailable(self, error: str, reason: str) -> _RefusalError:
        refusal = _RefusalError(503, error, reason, retry_after=self.settings.retry_after_seconds)
        refusal.headers["Retry-After"] = str(self.settings.retry_after_seconds)
        return refusal

    async def _events(self, request: Request) -> list[Any]:
        batch = _batch_mode(request.headers.get("content-type", ""))
        if batch is None:
            raise _RefusalError(
                415,
                "unsupported_media_type",
                f"send CloudEvents in structured mode as {EVENT_MEDIA_TYPE} or {BATCH_MEDIA_TYPE} (UTF-8)",
                accepted=[EVENT_MEDIA_TYPE, BATCH_MEDIA_TYPE],
            )
        body = await _read_body(request, self.settings.max_body_bytes)
        try:
            events = parse_structured(body, batch=batch)
        except ContractError as exc:
            raise _RefusalError(400, "invalid_body", str(exc)) from None
        if not events:
            raise _RefusalError(400, "invalid_body", "a batch must hold at least one event")
        limit = self.settings.max_batch_events
        if len(events) > limit:
            raise _RefusalError(
                413, "batch_too_large", f"a batch holds at most {limit} events; got {len(events)}"
            )
        return events

    async def _publish(self, sink: EventSink | None, envelopes: list[Envelope[EventData]]) -> None:
        if sink is None:
            raise self._unavailable("not_ready", "not connected to Kafka yet; retry later")
        try:
            await publish_within(sink, envelopes, self.settings.publish_timeout_seconds)
        except PublishError as exc:
            raise self._unavailable(exc.reason_code, str(exc)) from None

    async def receive(self, request: Request) -> Response:
        started = time.perf_counter()
        # Until an answer is chosen, the request counts as failed (an unexpected exception answers 500).
        count, status, outcome, rejected = 0, 500, "error", 0
        try:
            events = await self._events(request)
            count = len(events)
            envelopes, rejections = admit_batch(events)
            if rejections:
                rejected = len(rejections)
                raise _RefusalError(
                    400,
                    "invalid_events",
                    f"{rejected} of {count} events refused; nothing was published",
                    rejected=[rejection.as_json() for rejection in rejections],
                )
            await self._publish(self.link.sink, envelopes)
            status, outcome = 202, "accepted"
            return JSONResponse(
                {"accepted": count, "ids": [envelope.id for envelope in envelopes]}, status_code=202
            )
        except _RefusalError as refusal:
            status, outcome = refusal.status, refusal.error
            body = {"error": refusal.error, "reason": refusal.reason, **refusal.extra}
            return JSONResponse(body, status_code=refusal.status, headers=refusal.headers)
        finally:
            _log.info(
                "ingest_request",
                outcome=outcome,
                status=status,
                events=count,
                rejected=rejected,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
            )


async def _receive_events(request: Request) -> Response:
    ingest: _Ingest = request.app.state.ingest
    return await ingest.receive(request)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _ready(request: Request) -> Response:
    ingest: _Ingest = request.app.state.ingest
    if await ingest.link.ready():
        return JSONResponse({"status": "ready", "accepts": list(ACCEPTED_EVENT_TYPES)})
    retry_after = str(ingest.settings.retry_after_seconds)
    body = {"status": "not_ready", "reason": "not connected to Kafka"}
    return JSONResponse(body, status_code=503, headers={"Retry-After": retry_after})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"error": error, "reason": exc.detail}, status_code=exc.status_code)


def publisher_factory(settings: ProvinceSettings, *, client_id: str = "lienthong-province") -> SinkFactory:
    """Builds the durable Kafka publisher the settings describe (idempotent, acks=all)."""

    def build() -> EventSink:
        return EventPublisher(
            settings.kafka_bootstrap_servers,
            client_id=client_id,
            topic_prefix=settings.topic_prefix,
            linger_ms=settings.linger_ms,
            request_timeout_ms=int(settings.publish_timeout_seconds * 1000),
        )

    return build


def create_app(
    settings: ProvinceSettings,
    *,
    sink_factory: SinkFactory | None = None,
    prepare: Prepare | None = None,
) -> Starlette:
    """The ingest application; ``prepare`` runs before each attempt to connect (e.g. creating topics)."""
    link = PublisherLink(
        sink_factory or publisher_factory(settings, client_id="lienthong-province-ingest"),
        prepare=prepare,
        backoff_max_seconds=settings.connect_backoff_max_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        link.open()
        try:
            yield
        finally:
            await link.close()

    app = Starlette(
        routes=[
            Route(EVENTS_PATH, _receive_events, methods=["POST"]),
            Route("/healthz", _health, methods=["GET"]),
            Route("/readyz", _ready, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.ingest = _Ingest(settings, link)
    return app
