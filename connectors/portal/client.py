"""The national portal's sync API over HTTP (``httpx.AsyncClient``): one method per call, no retries here.

Each method makes one call (plus, on a 401, one token renewal and one resend) and either returns what the
portal acknowledged or raises an error of the connector tree (see :mod:`connectors.portal.answers`). Retries,
the circuit breaker and the rate limit are the gateway's (:mod:`connectors.portal.gateway`): keeping them out
of here keeps every call visible and counted. The client never logs request bodies: they carry personal data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import SecretStr

from connectors.errors import PortalAuthError, PortalProtocolError
from connectors.portal.answers import NOT_FOUND, body_of, check_code, check_status, transport_failure
from connectors.portal.mapping import portal_record
from connectors.portal.tokens import TokenSource
from contracts import DossierStatusChanged

__all__ = ["PortalClient", "SubmissionPage"]

_SYNC = "/api/dvc/DongBoHoSoMC"
_PROGRESS = "/api/dvc/CapNhatTienDoHoSoMC"
_LOOKUP = "/api/dvc/TraCuuHoSo"
_SUBMISSIONS = "/api/dvc/HoSoTrucTuyen"


@dataclass(frozen=True, slots=True)
class SubmissionPage:
    """One page of the online-submission feed: items oldest first, the cursor to ask after next."""

    items: tuple[Mapping[str, Any], ...]
    next_cursor: int
    has_more: bool


class PortalClient:
    """A client of one portal, authenticated with the client-credentials grant."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        timeout_s: float = 10.0,
        refresh_margin_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._tokens = TokenSource(client_id, client_secret, refresh_margin_s=refresh_margin_s, clock=clock)
        self.requests = 0
        """HTTP requests sent to the API so far (token requests not included)."""

    @property
    def tokens_issued(self) -> int:
        return self._tokens.issued

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One authenticated call; a 401 renews the token and sends again, once."""
        for renewed in (False, True):
            token = await self._tokens.token(self._http)
            self.requests += 1
            try:
                response = await self._http.request(
                    method, path, json=json, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError as exc:
                raise transport_failure(operation, exc) from exc
            if response.status_code == httpx.codes.UNAUTHORIZED:
                self._tokens.invalidate(token)
                if renewed:
                    raise PortalAuthError(f"{operation}: the portal refused a freshly issued token")
                continue
            check_status(operation, response)
            return body_of(operation, response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def lookup(self, code: str) -> dict[str, Any] | None:
        """``TraCuuHoSo``: the portal's record of the dossier (with ``LichSuTrangThai``), or ``None``."""
        body = await self._send("lookup", "GET", _LOOKUP, params={"MaHoSo": code})
        if body.get("error_code") == NOT_FOUND:
            return None
        check_code("lookup", body)
        record = body.get("data")
        if not isinstance(record, dict):
            raise PortalProtocolError("lookup: the answer has no record")
        return record

    async def _upsert(self, operation: str, dossier: DossierStatusChanged, *, updating: bool) -> None:
        payload = {"isUpdating": updating, "data": [portal_record(dossier)]}
        check_code(operation, await self._send(operation, "POST", _SYNC, json=payload))

    async def create(self, dossier: DossierStatusChanged) -> None:
        """``DongBoHoSoMC`` with ``isUpdating: false``; refused with ``03`` when the portal has it."""
        await self._upsert("create", dossier, updating=False)

    async def update(self, dossier: DossierStatusChanged) -> None:
        """``DongBoHoSoMC`` with ``isUpdating: true``; refused with ``04`` when the portal lacks it."""
        await self._upsert("update", dossier, updating=True)

    async def push_progress(self, code: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """``CapNhatTienDoHoSoMC``: progress rows of one dossier, oldest first."""
        if any(row.get("MaHoSo") != code for row in rows):
            raise ValueError("every progress row must belong to the dossier pushed")
        check_code("progress", await self._send("progress", "POST", _PROGRESS, json={"data": list(rows)}))

    async def online_submissions(self, after: int, limit: int) -> SubmissionPage:
        """``HoSoTrucTuyen``: submissions with a cursor above ``after``, oldest first."""
        body = await self._send("submissions", "GET", _SUBMISSIONS, params={"after": after, "limit": limit})
        check_code("submissions", body)
        items, next_cursor, more = body.get("data"), body.get("next_cursor"), body.get("has_more")
        if not isinstance(items, list) or not isinstance(next_cursor, int) or not isinstance(more, bool):
            raise PortalProtocolError("submissions: the answer lacks data, next_cursor or has_more")
        if next_cursor < after:
            raise PortalProtocolError("submissions: the feed's cursor went backwards")
        return SubmissionPage(
            items=tuple(item for item in items if isinstance(item, dict)),
            next_cursor=next_cursor,
            has_more=more,
        )
