"""The payment platform's partner API as the connector uses it: an OAuth2 token, then ``QUERY``.

Partner calls carry a bearer token from the client-credentials grant (``POST /oauth/token``), kept until a
minute before it expires and fetched again once when a call is answered 401. httpx's exceptions and the
platform's error answers are translated here, at the boundary, into the connectors' error tree:

* no answer (timeout, refused or dropped connection), 429 or 5xx → :class:`PaymentPlatformUnavailableError`;
* 401 with a fresh token, or the token endpoint refusing the credentials → :class:`PaymentPlatformAuthError`;
* any other non-200, an unreadable body, or ``MaLoi`` other than "00" → :class:`PaymentPlatformRefusedError`.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import ValidationError

from connectors.errors import (
    PaymentPlatformAuthError,
    PaymentPlatformRefusedError,
    PaymentPlatformUnavailableError,
)
from connectors.payment.messages import QueryAnswer, describe_error

__all__ = ["PlatformClient"]

_TOKEN_MARGIN_SECONDS = 60.0


def _unavailable(response: httpx.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


class PlatformClient:
    """One HTTP connection pool to the platform; use as an async context manager or ``aclose()`` it."""

    def __init__(
        self,
        base_url: str,
        *,
        partner_code: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._partner_code = partner_code
        self._credentials = {"client_id": client_id, "client_secret": client_secret}
        self._token: str | None = None
        self._token_expires = 0.0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.post(path, **kwargs)
        except httpx.HTTPError as exc:
            raise PaymentPlatformUnavailableError(f"{path}: {type(exc).__name__}") from exc
        if _unavailable(response):
            raise PaymentPlatformUnavailableError(f"{path}: HTTP {response.status_code}")
        return response

    async def _bearer(self, *, renew: bool = False) -> str:
        if not renew and self._token is not None and time.monotonic() < self._token_expires:
            return self._token
        response = await self._post(
            "/oauth/token", data={"grant_type": "client_credentials", **self._credentials}
        )
        if response.status_code in (400, 401):
            raise PaymentPlatformAuthError(f"/oauth/token: HTTP {response.status_code}")
        try:
            body = response.json()
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError) as exc:
            raise PaymentPlatformRefusedError(
                f"/oauth/token: unreadable answer (HTTP {response.status_code})", error_code="token"
            ) from exc
        self._token = token
        self._token_expires = time.monotonic() + max(lifetime - _TOKEN_MARGIN_SECONDS, lifetime / 2)
        return token

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for renew in (False, True):
            token = await self._bearer(renew=renew)
            response = await self._post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 401:
                break
        else:
            raise PaymentPlatformAuthError(f"{path}: HTTP 401 with a fresh token")
        if response.status_code != 200:
            raise PaymentPlatformRefusedError(
                f"{path}: HTTP {response.status_code}", error_code=str(response.status_code)
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise PaymentPlatformRefusedError(f"{path}: answer is not JSON", error_code="body") from exc
        if not isinstance(answer, dict):
            raise PaymentPlatformRefusedError(f"{path}: answer is not a JSON object", error_code="body")
        return answer

    async def query(self, reference: str) -> QueryAnswer:
        """``QUERY`` one transaction; ``MaLoi`` other than "00" raises ``PaymentPlatformRefusedError``."""
        raw = await self._call(
            "/api/paygov/QUERY", {"MaDoiTac": self._partner_code, "MaThamChieu": reference}
        )
        try:
            answer = QueryAnswer.model_validate(raw)
        except ValidationError as exc:
            raise PaymentPlatformRefusedError(
                f"QUERY: unreadable answer: {describe_error(exc)}", error_code="body"
            ) from exc
        if answer.MaLoi != "00":
            raise PaymentPlatformRefusedError(
                f"QUERY answered MaLoi {answer.MaLoi}: {answer.MoTaLoi or ''}".rstrip(": "),
                error_code=answer.MaLoi,
            )
        return answer
