"""The province's webhook over HTTP (``httpx.AsyncClient``): one POST per call, no retries here.

:meth:`WebhookClient.send` returns the status of a 2xx answer or raises the
:class:`~connectors.province.webhook.WebhookError` the answer means; transport failures (refused or dropped
connection, timeout) become :class:`~connectors.province.webhook.WebhookUnavailableError`. Retries belong to
the caller (:data:`WEBHOOK_CALL`, composed by :func:`connectors.portal.retries.retrying`). Redirects are not
followed: a 3xx means the URL is wrong. The client never logs nor raises with request bodies — they carry
personal data — and reads at most :data:`ANSWER_LIMIT` bytes of an answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Self

import httpx

from connectors.portal.retries import RetryPolicy
from connectors.province.webhook import WebhookRequest, WebhookUnavailableError, answer_error, refusal_code

__all__ = ["ANSWER_LIMIT", "WEBHOOK_CALL", "WebhookClient", "public_url"]

ANSWER_LIMIT = 4096
"""Bytes of an answer's body read (for a refusal's error code); the rest is discarded."""

WEBHOOK_CALL = RetryPolicy(
    name="webhook_call", max_attempts=5, max_delay=30.0, initial_wait=0.5, max_wait=8.0, retry_after_cap=30.0
)
"""One delivery: rides out a short blip in process; a longer outage makes the partition wait and try again."""

_USER_AGENT = "lienthong-province-deliver"


def public_url(url: str) -> str:
    """``url`` fit for a log line: no user info, no query (either may carry a token)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(userinfo=b"", query=None, fragment=None))


class WebhookClient:
    """Posts requests to one webhook URL."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.url = url
        self.requests = 0
        self._clock = clock
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": _USER_AGENT},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, request: WebhookRequest) -> int:
        """POST ``request``; the 2xx status, or the error its answer means."""
        self.requests += 1
        try:
            async with self._http.stream(
                "POST", self.url, content=request.body, headers=list(request.headers)
            ) as response:
                body = await _head_of(response)
        except httpx.TimeoutException as exc:
            raise WebhookUnavailableError(f"no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise WebhookUnavailableError(f"the exchange failed ({type(exc).__name__})") from exc
        status = response.status_code
        error = answer_error(
            status,
            retry_after=response.headers.get("retry-after"),
            code=refusal_code(body) if 400 <= status < 500 else None,
            now=self._clock(),
        )
        if error is not None:
            raise error
        return status


async def _head_of(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ANSWER_LIMIT:
            break
    return b"".join(chunks)[:ANSWER_LIMIT]
