"""The connector's bearer token: the OAuth2 client-credentials grant, cached until shortly before it expires.

One token serves every concurrent call; when it is missing or about to expire, the first caller fetches a new
one and the others wait for it (one request, not a stampede). A 401 on an API call makes the client
:meth:`TokenSource.invalidate` it and ask again once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from connectors.errors import PortalAuthError, PortalProtocolError
from connectors.portal.answers import body_of, check_status, transport_failure

__all__ = ["TokenSource"]

_TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
_OPERATION = "token"


class TokenSource:
    """Fetches and caches the access token of one client."""

    def __init__(
        self,
        client_id: str,
        client_secret: SecretStr,
        *,
        refresh_margin_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_margin_s = refresh_margin_s
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.issued = 0
        """Tokens fetched so far."""

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the portal refused it); a newer one fetched meanwhile is kept."""
        if self._token == token:
            self._token = None

    async def token(self, http: httpx.AsyncClient) -> str:
        """A token valid for a while yet; fetched when needed."""
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token = await self._fetch(http)
            return self._token

    async def _fetch(self, http: httpx.AsyncClient) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret.get_secret_value(),
        }
        try:
            response = await http.post(_TOKEN_PATH, data=form)
        except httpx.HTTPError as exc:
            raise transport_failure(_OPERATION, exc) from exc
        if response.status_code in (httpx.codes.BAD_REQUEST, httpx.codes.UNAUTHORIZED):
            raise PortalAuthError(f"the portal refused the client credentials (HTTP {response.status_code})")
        check_status(_OPERATION, response)
        body = body_of(_OPERATION, response)
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise PortalProtocolError("token: the answer lacks access_token or expires_in")
        margin = min(self._refresh_margin_s, float(lifetime) / 2)
        self._renew_at = self._clock() + float(lifetime) - margin
        self.issued += 1
        return token
