"""Reading the portal's HTTP answers: every failure becomes an error of the connector tree here.

The portal puts business outcomes in the body of an HTTP 200 (``error_code``, ``"00"`` for success), so the
status code alone says only whether the call itself went through:

* a transport failure (connection refused or reset, a response dropped after the write, a timeout) and any
  5xx → :class:`PortalUnavailableError` (retriable; with the ``Retry-After`` the portal gave, if any);
* 429 → :class:`PortalThrottledError` with its ``Retry-After`` (1 s when it gave none);
* other statuses, or a body that is not a JSON object → :class:`PortalProtocolError`;
* a 200 whose ``error_code`` is not ``"00"`` → :class:`PortalRefusedError` with the code.

Messages name the operation, the status and the portal's own message, never a request body.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from typing import Any

import httpx

from connectors.errors import (
    PortalProtocolError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)

__all__ = [
    "ALREADY_EXISTS",
    "NOT_FOUND",
    "OK",
    "body_of",
    "check_code",
    "check_status",
    "retry_after",
    "transport_failure",
]

OK = "00"
ALREADY_EXISTS = "03"
"""``Hồ sơ đã tồn tại``: a create of a dossier the portal has."""
NOT_FOUND = "04"
"""``Hồ sơ không tồn tại``: an update, progress row or look-up of a dossier the portal does not have."""

_DEFAULT_THROTTLE_S = 1.0
_MESSAGE_LIMIT = 300


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), or ``None``."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def transport_failure(operation: str, error: httpx.HTTPError) -> PortalUnavailableError:
    """What a failed exchange means: the portal did not answer (whether the write happened is unknown)."""
    if isinstance(error, httpx.TimeoutException):
        return PortalUnavailableError(f"{operation}: no answer in time ({type(error).__name__})")
    return PortalUnavailableError(f"{operation}: the exchange failed ({type(error).__name__})")


def check_status(operation: str, response: httpx.Response) -> None:
    """Raise for a status that is not 200 (401 is the caller's to handle before this)."""
    status = response.status_code
    if status == httpx.codes.OK:
        return
    if status == httpx.codes.TOO_MANY_REQUESTS:
        waited = retry_after(response)
        raise PortalThrottledError(
            f"{operation}: the portal answered 429",
            retry_after=_DEFAULT_THROTTLE_S if waited is None else waited,
        )
    if status >= httpx.codes.INTERNAL_SERVER_ERROR:
        raise PortalUnavailableError(
            f"{operation}: the portal answered {status}", retry_after=retry_after(response)
        )
    raise PortalProtocolError(f"{operation}: the portal answered HTTP {status}")


def body_of(operation: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 200 answer."""
    try:
        body = json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PortalProtocolError(f"{operation}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise PortalProtocolError(f"{operation}: the answer is not a JSON object")
    return body


def check_code(operation: str, body: dict[str, Any]) -> str:
    """The answer's ``error_code``; :class:`PortalRefusedError` unless it is ``"00"``."""
    code = body.get("error_code")
    if not isinstance(code, str):
        raise PortalProtocolError(f"{operation}: the answer has no error_code")
    if code != OK:
        message = str(body.get("message") or "")[:_MESSAGE_LIMIT]
        raise PortalRefusedError(
            f"{operation}: the portal refused ({code}) {message}".strip(), error_code=code
        )
    return code
