"""The hub's small HTTP side: health, readiness, metrics, the report, the findings and one dossier's entry.

Served by uvicorn inside the hub process.

==================================================  ==========================================================
``GET /healthz``, ``/readyz``                       alive; connected to the broker (503 until then)
``GET /metrics``                                    Prometheus exposition (:mod:`hub.app.metrics`)
``GET /report?as_of=&scope=&granularity=&period=``  the hub's report (:mod:`hub.app.report`); 400 on a bad
                                                    parameter
``GET /findings?state=&type=&dossier=&limit=``      stored findings, oldest opened first (codes and details:
                                                    no personal data)
``GET /dossiers/{code}``                            the ledger entry with every personal-data value of its
                                                    snapshots replaced (``contracts.privacy.redacted``); the
                                                    events held behind its submission as topic, event key
                                                    and time only, and ``held_count``
``/dlq…``                                           the dead-letter operations (:mod:`hub.app.dlq_api`)
==================================================  ==========================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from contracts.privacy import redacted
from hub.app.metrics import HubMetrics
from hub.app.report import ReportQuery, build_report, finding_json
from hub.rules import FindingState, FindingType, LedgerEntry, RoutingTable
from hub.store import FindingQuery, LedgerStore

__all__ = [
    "FINDINGS_DEFAULT_LIMIT",
    "FINDINGS_MAX_LIMIT",
    "OUTBOX_COUNT_BOUND",
    "create_http_app",
    "masked_entry",
]

_PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
OUTBOX_COUNT_BOUND = 10_000
"""``/metrics`` counts at most this many pending outbox rows while the relay does not report the backlog."""
FINDINGS_DEFAULT_LIMIT = 1000
FINDINGS_MAX_LIMIT = 10_000


def masked_entry(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as JSON data with the personal data of its snapshots masked."""
    data = entry.model_dump(mode="json")
    if entry.province is not None:
        data["province"]["snapshot"] = redacted(entry.province.snapshot)
    if entry.submission is not None:
        data["submission"] = redacted(entry.submission)
    data["held"] = [
        {"topic": held.topic, "event": list(held.event), "held_at": held.held_at.isoformat()}
        for held in entry.held
    ]
    data["held_count"] = len(entry.held)
    return data


def create_http_app(
    store: LedgerStore,
    metrics: HubMetrics,
    *,
    ready: Callable[[], bool],
    table: Callable[[], Awaitable[RoutingTable]],
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The Starlette app over ``store``; ``ready`` says whether the broker is connected; ``extra_routes`` are
    served beside (the dead-letter operations, :mod:`hub.app.dlq_api`)."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready"}, status_code=503)

    async def metrics_endpoint(_request: Request) -> Response:
        pending: int | None = None
        if not metrics.outbox_reported:
            pending = len(await store.pending_outbox(limit=OUTBOX_COUNT_BOUND))
        body = metrics.render(
            await store.finding_counts(), pending, outbox_capped=pending == OUTBOX_COUNT_BOUND
        )
        return Response(body, media_type=_PROMETHEUS)

    async def report(request: Request) -> Response:
        now = dt.datetime.now(dt.UTC)
        try:
            query = ReportQuery.from_params(request.query_params, now=now)
        except ValueError as exc:
            return _bad_request(str(exc))
        return JSONResponse(await build_report(store, await table(), query, generated_at=now))

    async def findings(request: Request) -> Response:
        try:
            query = _finding_query(request.query_params)
        except ValueError as exc:
            return _bad_request(str(exc))
        found = await store.findings(
            FindingQuery(type=query.type, state=query.state, subject=query.subject, limit=query.limit + 1)
        )
        shown = [finding_json(record) for record in found[: query.limit]]
        return JSONResponse({"findings": shown, "count": len(shown), "truncated": len(found) > query.limit})

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
            Route("/findings", findings),
            Route("/dossiers/{code}", dossier),
            *extra_routes,
        ]
    )


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=400)


def _finding_query(params: Mapping[str, str]) -> FindingQuery:
    """``state``, ``type``, ``dossier`` (the subject: a dossier code, or an agency code) and ``limit``."""
    state, kind = params.get("state") or None, params.get("type") or None
    if state is not None and state not in tuple(FindingState):
        raise ValueError(f"state must be one of {', '.join(FindingState)}, got {state!r}")
    if kind is not None and kind not in tuple(FindingType):
        raise ValueError(f"type must be one of {', '.join(FindingType)}, got {kind!r}")
    text = params.get("limit") or str(FINDINGS_DEFAULT_LIMIT)
    if not text.isdigit() or not 1 <= int(text) <= FINDINGS_MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {FINDINGS_MAX_LIMIT}, got {text!r}")
    return FindingQuery(type=kind, state=state, subject=params.get("dossier") or None, limit=int(text))
