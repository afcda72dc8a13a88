"""``POST /oauth/token``: the OAuth2 client-credentials grant (RFC 6749 §4.4).

Credentials are read from HTTP Basic auth, a form body or a JSON body (``client_id``, ``client_secret``).
``grant_type`` may be omitted; any value other than ``client_credentials`` is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.context import json_answer, portal_of
from connectors.national_portal.database import bump

__all__ = ["issue_token"]


def _basic(header: str | None) -> dict[str, str]:
    if not header or not header.lower().startswith("basic "):
        return {}
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, sep, secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": secret} if sep else {}


async def _fields(request: Request) -> dict[str, Any]:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    if "application/json" in content_type and raw.strip():
        try:
            loaded = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            loaded = None
        if isinstance(loaded, dict):
            fields.update(loaded)
    elif raw.strip():
        fields.update(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    fields.update(_basic(request.headers.get("authorization")))
    return fields


def _oauth_error(error: str, description: str, status_code: int) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="dvcqg"'
    return json_answer({"error": error, "error_description": description}, status_code, headers)


async def issue_token(request: Request) -> JSONResponse:
    portal = portal_of(request)
    fields = await _fields(request)
    grant_type = str(fields.get("grant_type") or "client_credentials")
    if grant_type != "client_credentials":
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported", 400)
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str) or not client_id:
        return _oauth_error("invalid_request", "client_id and client_secret are required", 400)
    if not portal.tokens.credentials_valid(client_id, client_secret):
        await portal.db.run(lambda conn: bump(conn, "auth_rejected"))
        return _oauth_error("invalid_client", "Client authentication failed", 401)
    issued = portal.tokens.issue(client_id)
    await portal.db.run(lambda conn: bump(conn, "tokens_issued"))
    return json_answer(
        {"access_token": issued.access_token, "token_type": "bearer", "expires_in": issued.expires_in},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
