"""The hub's small HTTP side: health, readiness, metrics, the indicator report and one dossier's entry.

Served by uvicorn inside the hub process. ``/dossiers/{code}`` shows the ledger entry with every personal-data
value of the dossier snapshots replaced (``contracts.privacy.redacted``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from contracts.privacy import redacted
from hub.app.metrics import HubMetrics
from hub.rules import LedgerEntry, RoutingTable, compute_indicators
from hub.store import LedgerStore

__all__ = ["create_http_app", "masked_entry"]

_PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def masked_entry(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as JSON data with the personal data of its snapshots masked."""
    data = entry.model_dump(mode="json")
    if entry.province is not None:
        data["province"]["snapshot"] = redacted(entry.province.snapshot)
    if entry.submission is not None:
        data["submission"] = redacted(entry.submission)
    return data


def create_http_app(
    store: LedgerStore,
    metrics: HubMetrics,
    *,
    ready: Callable[[], bool],
    table: Callable[[], Awaitable[RoutingTable]],
) -> Starlette:
    """The Starlette app over ``store``; ``ready`` says whether the broker is connected."""

    async def entries() -> list[LedgerEntry]:
        return [LedgerEntry.model_validate_json(stored.entry_json) async for stored in store.entries()]

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready"}, status_code=503)

    async def metrics_endpoint(_request: Request) -> Response:
        body = metrics.render(await store.finding_counts(), len(await store.pending_outbox(limit=100_000)))
        return Response(body, media_type=_PROMETHEUS)

    async def report(_request: Request) -> Response:
        as_of = dt.datetime.now(dt.UTC)
        indicators = compute_indicators(await entries(), await table(), as_of=as_of)
        return JSONResponse(indicators.as_json())

    async def dossier(request: Request) -> Response:
        stored = await store.load(request.path_params["code"])
        if stored is None:
            return PlainTextResponse("no such dossier in the ledger", status_code=404)
        return JSONResponse(masked_entry(LedgerEntry.model_validate_json(stored.entry_json)))

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/report", report),
            Route("/dossiers/{code}", dossier),
        ]
    )
