"""The webhook client over a mock transport: answers and transport failures become the webhook errors, and
the retry policy rides out a blip (no-op sleep: instant)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from connectors.portal.retries import retried, retrying
from connectors.province.webhook import (
    SIGNATURE_HEADER,
    WebhookProtocolError,
    WebhookRefusedError,
    WebhookUnavailableError,
    verify_signature,
    webhook_request,
)
from connectors.province.webhook_client import WEBHOOK_CALL, WebhookClient, public_url
from tests.unit.province.routed_factories import PERSONAL_ID, routed

URL = "http://province.test/hooks/submissions"
SECRET = b"province-secret"

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> WebhookClient:
    return WebhookClient(URL, timeout_s=1.0, transport=httpx.MockTransport(handler))


def _answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


async def test_a_2xx_returns_its_status_after_one_signed_post() -> None:
    handle, seen = _answers(httpx.Response(202))
    request = webhook_request(routed(1), secret=SECRET)
    async with _client(handle) as client:
        assert await client.send(request) == 202
    (sent,) = seen
    assert (sent.method, str(sent.url)) == ("POST", URL)
    assert sent.content == request.body
    assert sent.headers["ce-id"] == "routed-1-1"
    assert sent.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert verify_signature(sent.content, sent.headers[SIGNATURE_HEADER], SECRET)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")],
)
async def test_no_answer_is_unavailable(failure: Exception) -> None:
    handle, _ = _answers(failure)
    async with _client(handle) as client:
        with pytest.raises(WebhookUnavailableError) as caught:
            await client.send(webhook_request(routed(1), secret=SECRET))
    assert caught.value.retriable
    assert type(failure).__name__ in str(caught.value)


async def test_a_refusal_carries_the_status_and_code_but_not_the_bodys_free_text() -> None:
    answer = httpx.Response(422, json={"error": "unknown_procedure", "reason": f"applicant {PERSONAL_ID}"})
    handle, _ = _answers(answer)
    async with _client(handle) as client:
        with pytest.raises(WebhookRefusedError) as caught:
            await client.send(webhook_request(routed(1), secret=SECRET))
    assert caught.value.status == 422
    assert "unknown_procedure" in str(caught.value)
    assert PERSONAL_ID not in str(caught.value)


async def test_redirects_are_not_followed() -> None:
    handle, seen = _answers(httpx.Response(307, headers={"location": "http://elsewhere.test/"}))
    async with _client(handle) as client:
        with pytest.raises(WebhookProtocolError):
            await client.send(webhook_request(routed(1), secret=SECRET))
    assert len(seen) == 1


async def test_the_policy_retries_5xx_and_429_then_delivers_honouring_retry_after() -> None:
    handle, seen = _answers(
        httpx.Response(503), httpx.Response(429, headers={"retry-after": "4"}), httpx.Response(200)
    )
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    request = webhook_request(routed(1), secret=SECRET)
    async with _client(handle) as client:
        async for attempt in retrying(WEBHOOK_CALL, sleep=no_sleep):
            with attempt:
                status = await client.send(request)
    assert status == 200
    assert len(seen) == 3
    assert {sent.headers["ce-id"] for sent in seen} == {"routed-1-1"}
    assert len(waits) == 2
    assert 4.0 <= waits[1] <= 4.4  # the Retry-After, spread by at most 10%


async def test_the_policy_gives_up_after_its_attempts_and_never_retries_a_refusal() -> None:
    handle, seen = _answers(*[httpx.Response(503)] * WEBHOOK_CALL.max_attempts)

    async def no_sleep(_seconds: float) -> None:
        return None

    request = webhook_request(routed(1), secret=SECRET)
    async with _client(handle) as client:
        with pytest.raises(WebhookUnavailableError):
            await retried(WEBHOOK_CALL, lambda: client.send(request), sleep=no_sleep)
    assert len(seen) == WEBHOOK_CALL.max_attempts

    handle, seen = _answers(httpx.Response(400))
    async with _client(handle) as client:
        with pytest.raises(WebhookRefusedError):
            await retried(WEBHOOK_CALL, lambda: client.send(request), sleep=no_sleep)
    assert len(seen) == 1


def test_urls_are_logged_without_credentials_or_query() -> None:
    assert public_url("https://u:p@mc.caobang.gov.vn/hook?token=abc") == "https://mc.caobang.gov.vn/hook"
