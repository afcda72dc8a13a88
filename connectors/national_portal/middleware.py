"""Applying the injector's verdicts to HTTP traffic: the outermost ASGI layer of the portal.

It sits outside Starlette's own error handling so it can refuse a request before anything runs, hold it, or
drop the connection after the handler's write committed. Dropping aborts the TCP connection when the server
exposes it (uvicorn's HTTP/1.1 protocol does, through its ``send``); elsewhere the answer is cut off after its
headers. Either way the client sees a transport error, never a status code it could trust.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog

from connectors.national_portal.database import Database, bump
from connectors.national_portal.injector import FaultInjector, FaultKind, Verdict
from connectors.national_portal.tokens import TokenIssuer, TokenRejectedError

__all__ = ["ASGIApp", "FaultMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_log = structlog.get_logger("national_portal.faults")

_BODIES = {
    429: ("429", "Vượt quá số lượng yêu cầu cho phép, vui lòng thử lại sau"),
    503: ("503", "Hệ thống đang quá tải, vui lòng thử lại sau"),
    504: ("504", "Hết thời gian chờ xử lý"),
}


async def _discard(message: Message) -> None:
    """Swallows the handler's answer when the client must not get it."""


async def _answer(send: Send, status: int, retry_after: int | None = None) -> None:
    code, message = _BODIES[status]
    body = json.dumps({"error_code": code, "message": message}, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _drop(send: Send) -> None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if isinstance(transport, asyncio.BaseTransport) and hasattr(transport, "abort"):
        transport.abort()
        # Let the server notice the lost connection so it does not try to answer on it.
        for _ in range(3):
            await asyncio.sleep(0)
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1024")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})


class FaultMiddleware:
    """Asks the injector about every HTTP request and does what it says."""

    def __init__(self, app: ASGIApp, injector: FaultInjector, tokens: TokenIssuer, db: Database) -> None:
        self._app = app
        self._injector = injector
        self._tokens = tokens
        self._db = db

    def _client_key(self, scope: Scope) -> str:
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        try:
            return "client:" + self._tokens.client_of(TokenIssuer.bearer_of(authorization))
        except TokenRejectedError:
            peer = scope.get("client") or ("unknown", 0)
            return f"peer:{peer[0]}"

    async def _count(self, verdict: Verdict, path: str) -> None:
        def record(conn: sqlite3.Connection) -> None:
            for kind in verdict.kinds:
                bump(conn, f"faults.{kind.value}")

        await self._db.run(record)
        if verdict.kinds != (FaultKind.LATENCY,):
            _log.info("fault injected", path=path, kinds=[kind.value for kind in verdict.kinds])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        verdict = self._injector.decide(scope["method"], path, self._client_key(scope))
        if verdict.kinds:
            await self._count(verdict, path)
        if verdict.status is not None:
            await _answer(send, verdict.status, verdict.retry_after_s)
            return
        if verdict.delay_s > 0:
            await asyncio.sleep(verdict.delay_s)
        if verdict.timeout:
            if verdict.apply_write:
                await self._app(scope, receive, _discard)
            await asyncio.sleep(verdict.hold_s)
            await (_drop(send) if verdict.close else _answer(send, 504))
            return
        if verdict.drop_after_write:
            await self._app(scope, receive, _discard)
            await _drop(send)
            return
        await self._app(scope, receive, send)
