"""The webhook contract of ``lienthong connector province deliver``: what is sent, and what an answer means.

Pure: no network, no clock of its own. Each routed submission is one request::

    POST <webhook url>
    Content-Type: application/cloudevents+json; charset=utf-8
    ce-id: <the event id>                   the de-duplication key (the same on every repeat)
    X-Lienthong-Signature: sha256=<hex>     HMAC-SHA256 of the exact body bytes with the shared secret

    {"specversion": "1.0", "id", "source", "type", "time", "subject", "datacontenttype", "data": {…}}

The body is :func:`contracts.structured.to_structured` of the event, UTF-8 JSON; it carries the dossier in
full, applicant included, since the province needs it. Only ``ce-id`` of the CloudEvents HTTP headers is
sent: with the whole ``ce-*`` set, SDKs would read the request as binary mode.

The answer decides what happens to the record (:func:`answer_error`)::

    WebhookError                       (connectors.errors.ConnectorError)
    ├── WebhookUnavailableError        retriable   no answer (connection, timeout), 5xx, 408; Retry-After
    │   └── WebhookThrottledError      retriable   429; Retry-After
    ├── WebhookRefusedError            dead letter 4xx other than 401, 403, 408, 429: this event is refused
    ├── WebhookAuthError               waits       401, 403: the secret is refused — no event's fault
    └── WebhookProtocolError           waits       1xx, 3xx: a misconfigured URL (redirects are not followed)

``retriable`` errors are retried in process (bounded, jittered backoff, ``Retry-After`` honoured up to a cap);
a refusal sends the record to the dead-letter topic; everything else — and a retriable error that outlasts
its retries — keeps the record where it is and the partition waits for the webhook.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import ClassVar

from connectors.errors import ConnectorError
from contracts import Envelope, SubmissionRouted
from contracts.structured import EVENT_MEDIA_TYPE, to_structured

__all__ = [
    "CONTENT_TYPE",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "WebhookAuthError",
    "WebhookError",
    "WebhookProtocolError",
    "WebhookRefusedError",
    "WebhookRequest",
    "WebhookThrottledError",
    "WebhookUnavailableError",
    "answer_error",
    "parse_retry_after",
    "refusal_code",
    "signature",
    "verify_signature",
    "webhook_request",
]

CONTENT_TYPE = f"{EVENT_MEDIA_TYPE}; charset=utf-8"
EVENT_ID_HEADER = "ce-id"
SIGNATURE_HEADER = "X-Lienthong-Signature"
_SIGNATURE_SCHEME = "sha256="
_CODE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_REFUSED_BY_THE_EVENT = frozenset(range(400, 500)) - {401, 403, 408, 429}


class WebhookError(ConnectorError):
    """The province's webhook did not take an event. ``dead_letter``: the event itself was refused."""

    reason_code = "webhook_error"
    dead_letter: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WebhookUnavailableError(WebhookError):
    """No answer (connection refused or dropped, timeout), 5xx or 408: try again, after ``retry_after``."""

    retriable = True
    reason_code = "webhook_unavailable"

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class WebhookThrottledError(WebhookUnavailableError):
    """429: the webhook asks for fewer requests, for ``retry_after`` seconds when it says."""

    reason_code = "webhook_throttled"


class WebhookRefusedError(WebhookError):
    """A 4xx for this event (400, 404, 409, 413, 422 …): sending it again would meet the same answer."""

    reason_code = "webhook_refused"
    dead_letter = True


class WebhookAuthError(WebhookError):
    """401 or 403: the signature or the secret is refused. Every event would be, so none is dead-lettered."""

    reason_code = "webhook_auth_refused"


class WebhookProtocolError(WebhookError):
    """An answer that is neither success nor failure (1xx, 3xx): the URL is wrong."""

    reason_code = "webhook_protocol_error"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One POST: the body and the headers to send it with."""

    event_id: str
    body: bytes
    headers: tuple[tuple[str, str], ...]


def signature(body: bytes, secret: bytes) -> str:
    """The ``X-Lienthong-Signature`` value of ``body``: ``sha256=`` and the HMAC-SHA256, in lower-case hex."""
    return _SIGNATURE_SCHEME + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: bytes) -> bool:
    """What the receiving side checks: ``header`` is the signature of ``body`` (constant-time comparison)."""
    return header is not None and hmac.compare_digest(header.strip().lower(), signature(body, secret))


def webhook_request(envelope: Envelope[SubmissionRouted], *, secret: bytes) -> WebhookRequest:
    """The request delivering ``envelope``: structured-mode body, ``ce-id``, the body's signature."""
    if not secret:
        raise ValueError("the webhook secret is empty")
    body = json.dumps(to_structured(envelope), ensure_ascii=False, separators=(",", ":")).encode()
    headers = (
        ("Content-Type", CONTENT_TYPE),
        (EVENT_ID_HEADER, envelope.id),
        (SIGNATURE_HEADER, signature(body, secret)),
    )
    return WebhookRequest(event_id=envelope.id, body=body, headers=headers)


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """``Retry-After`` in seconds from ``now`` (delta-seconds or an HTTP date); None if absent or unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def refusal_code(body: bytes) -> str | None:
    """A short error code from a refusal's JSON body (``error`` or ``code``), if it looks like one.

    Only a token (letters, digits, ``_.:-``) is taken: free text could quote the event's personal data, and
    the code ends up in dead-letter headers and logs.
    """
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    for name in ("error", "code"):
        value = document.get(name)
        if isinstance(value, str) and _CODE.fullmatch(value):
            return value
    return None


def answer_error(
    status: int, *, retry_after: str | None = None, code: str | None = None, now: dt.datetime
) -> WebhookError | None:
    """What the answer ``status`` means: None for delivered (2xx), else the error to act on.

    ``retry_after`` is the answer's ``Retry-After`` header, ``code`` the :func:`refusal_code` of its body.
    """
    if 200 <= status < 300:
        return None
    if status in _REFUSED_BY_THE_EVENT:
        detail = f" ({code})" if code else ""
        return WebhookRefusedError(f"the webhook refused the event: HTTP {status}{detail}", status=status)
    wait = parse_retry_after(retry_after, now=now)
    if status == 429:
        return WebhookThrottledError("the webhook answered 429", status=status, retry_after=wait)
    if status == 408 or status >= 500:
        return WebhookUnavailableError(f"the webhook answered {status}", status=status, retry_after=wait)
    if status in (401, 403):
        return WebhookAuthError(
            f"the webhook answered {status}: check the shared secret on both sides", status=status
        )
    return WebhookProtocolError(
        f"the webhook answered {status}: not an answer to a delivery (redirects are not followed)",
        status=status,
    )
