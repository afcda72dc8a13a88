"""What every endpoint of the portal shares: the running portal's parts and the request helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.answers import SyncCode, sync_answer
from connectors.national_portal.callbacks import CallbackDispatcher
from connectors.national_portal.clock import Clock
from connectors.national_portal.database import Database, bump
from connectors.national_portal.faults import FaultProfile
from connectors.national_portal.injector import FaultInjector
from connectors.national_portal.payments import Partner
from connectors.national_portal.settings import PortalSettings
from connectors.national_portal.tokens import TokenIssuer, TokenProblem, TokenRejectedError

__all__ = ["BadBodyError", "Portal", "json_answer", "portal_of", "read_json", "require_client"]

_TOKEN_DESCRIPTIONS = {
    TokenProblem.MISSING: "Bearer access token required",
    TokenProblem.MALFORMED: "The access token is malformed",
    TokenProblem.BAD_SIGNATURE: "The access token is invalid",
    TokenProblem.EXPIRED: "The access token expired",
}


@dataclass
class Portal:
    """The parts of one running portal, reachable from a request as ``request.app.state.portal``."""

    settings: PortalSettings
    clock: Clock
    db: Database
    tokens: TokenIssuer
    injector: FaultInjector
    dispatcher: CallbackDispatcher
    partner: Partner
    initial_faults: FaultProfile


def portal_of(request: Request) -> Portal:
    return cast(Portal, request.app.state.portal)


def json_answer(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """JSON with Vietnamese text left readable (UTF-8, not ``\\u`` escapes)."""
    return _Utf8JSON(content, status_code=status_code, headers=headers)


class _Utf8JSON(JSONResponse):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class BadBodyError(Exception):
    """A body that is not the JSON it should be; answered 400 by :func:`read_json`'s callers."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__("bad request body")
        self.response = response


async def read_json(request: Request, *, empty: Any = None) -> Any:
    """The request's JSON body (``empty`` when there is none); :class:`BadBodyError` when unreadable."""
    raw = await request.body()
    if not raw.strip():
        return empty
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        portal = portal_of(request)
        await portal.db.run(lambda conn: bump(conn, "invalid_requests"))
        raise BadBodyError(
            json_answer(sync_answer(SyncCode.INVALID, f"JSON: {exc}"), status_code=400)
        ) from exc


async def require_client(request: Request) -> str | JSONResponse:
    """The calling client's id, or the 401 answer (RFC 6750) to return instead."""
    portal = portal_of(request)
    try:
        return portal.tokens.client_of(TokenIssuer.bearer_of(request.headers.get("authorization")))
    except TokenRejectedError as rejected:
        await portal.db.run(lambda conn: bump(conn, "auth_rejected"))
        error = "invalid_request" if rejected.problem is TokenProblem.MISSING else "invalid_token"
        description = _TOKEN_DESCRIPTIONS[rejected.problem]
        challenge = f'Bearer realm="dvcqg", error="{error}", error_description="{description}"'
        return json_answer(
            {"error": error, "error_description": description},
            status_code=401,
            headers={"WWW-Authenticate": challenge},
        )
