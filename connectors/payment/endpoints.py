"""The connector's HTTP endpoints: the platform's callback, transaction registration, metrics, health.

Handlers are thin: read the body, hand it to the :class:`~connectors.payment.relay.PaymentRelay`, turn the
outcome (or the error) into an answer (:mod:`connectors.payment.answers`) and count it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import structlog
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from connectors.errors import CallbackRejectedError, PublishError
from connectors.payment.answers import AnswerCode, answer
from connectors.payment.messages import Registration, describe_error
from connectors.payment.metrics import CallbackResult, Metrics
from connectors.payment.relay import PaymentRelay, Registered
from connectors.payment.store import TransactionStore

__all__ = ["Runtime", "health", "metrics", "receive_callback", "register_transaction"]

_log = structlog.get_logger("payment.endpoints")

# reason of a CallbackRejectedError → (what is counted, the answer's code, HTTP status)
_REFUSALS: dict[str, tuple[CallbackResult, AnswerCode, int]] = {
    "signature": (CallbackResult.SIGNATURE, AnswerCode.BAD_SIGNATURE, 403),
    "malformed": (CallbackResult.MALFORMED, AnswerCode.INVALID, 400),
    "partner": (CallbackResult.PARTNER, AnswerCode.UNKNOWN_PARTNER, 403),
    "unknown": (CallbackResult.UNKNOWN, AnswerCode.NOT_FOUND, 404),
    "mismatch": (CallbackResult.MISMATCH, AnswerCode.INVALID, 422),
}


@dataclass
class Runtime:
    """What the handlers reach through ``request.app.state.payment``."""

    relay: PaymentRelay
    store: TransactionStore
    metrics: Metrics


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.payment
    return runtime


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def receive_callback(request: Request) -> Response:
    """``POST /paygov/callback``: the platform's signed confirmation."""
    runtime = _runtime(request)
    fields = await _json_object(request)
    if fields is None:
        runtime.metrics.callbacks[CallbackResult.MALFORMED] += 1
        _log.warning("callback refused", reason="malformed", detail="body is not a JSON object")
        return answer(AnswerCode.INVALID, 400, "nội dung không phải đối tượng JSON")
    reference = fields.get("MaThamChieu") if isinstance(fields.get("MaThamChieu"), str) else None
    try:
        published = await runtime.relay.confirm(fields)
    except CallbackRejectedError as exc:
        result, code, status = _REFUSALS[exc.reason]
        runtime.metrics.callbacks[result] += 1
        _log.warning("callback refused", reason=exc.reason, detail=str(exc), reference=reference)
        return answer(code, status)
    except PublishError as exc:
        runtime.metrics.callbacks[CallbackResult.UNAVAILABLE] += 1
        _log.error("callback not acknowledged by Kafka", detail=str(exc), reference=reference)
        return answer(AnswerCode.SYSTEM, 503)
    runtime.metrics.callbacks[CallbackResult.ACCEPTED if published else CallbackResult.DUPLICATE] += 1
    return answer(AnswerCode.OK, 200)


async def register_transaction(request: Request) -> Response:
    """``POST /paygov/transactions``: the provincial system's INIT body, after INIT succeeded."""
    runtime = _runtime(request)
    body = await _json_object(request)
    if body is None:
        runtime.metrics.registrations["invalid"] += 1
        return answer(AnswerCode.INVALID, 400, "nội dung không phải đối tượng JSON")
    try:
        outcome = await runtime.relay.register(Registration.model_validate(body))
    except ValidationError as exc:
        runtime.metrics.registrations["invalid"] += 1
        return answer(AnswerCode.INVALID, 422, describe_error(exc))
    except ValueError as exc:
        runtime.metrics.registrations["invalid"] += 1
        return answer(AnswerCode.INVALID, 422, str(exc))
    except PublishError as exc:
        runtime.metrics.registrations["unavailable"] += 1
        _log.error("registration not acknowledged by Kafka", detail=str(exc))
        return answer(AnswerCode.SYSTEM, 503)
    runtime.metrics.registrations[outcome.value] += 1
    if outcome is Registered.CONFLICT:
        return answer(AnswerCode.DUPLICATE_REFERENCE, 409)
    return answer(AnswerCode.OK, 201 if outcome is Registered.CREATED else 200, TrangThai=outcome.value)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: Prometheus text format."""
    runtime = _runtime(request)
    watched = {state.value: count for state, count in (await runtime.store.counts()).items()}
    return PlainTextResponse(
        runtime.metrics.render(watched), media_type="text/plain; version=0.0.4; charset=utf-8"
    )


async def health(request: Request) -> Response:
    """``GET /healthz``: the state file answers."""
    await _runtime(request).store.counts()
    return JSONResponse({"status": "ok"})
