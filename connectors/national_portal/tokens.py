"""Bearer tokens of the portal's OAuth2 client-credentials flow.

Tokens are self-contained and HMAC-signed with a key derived from the client secret, so they survive a restart
of the portal (as a real gateway's JWTs do) and checking one needs no database. The clock is injected so
expiry is tested without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum

from connectors.national_portal.clock import Clock

__all__ = ["IssuedToken", "TokenIssuer", "TokenProblem", "TokenRejectedError"]


class TokenProblem(StrEnum):
    """Why a bearer token was refused; the value is the RFC 6750 ``error`` code's description."""

    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"


class TokenRejectedError(Exception):
    """A bearer token that does not authorise the call."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    client_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Checks client credentials, issues tokens, and tells who a token belongs to."""

    def __init__(self, client_id: str, client_secret: str, ttl_seconds: float, clock: Clock) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._key = hashlib.sha256(f"portal-token|{client_secret}".encode()).digest()
        self._ttl = ttl_seconds
        self._clock = clock

    def credentials_valid(self, client_id: str, client_secret: str) -> bool:
        same_id = hmac.compare_digest(client_id.encode(), self._client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self._client_secret.encode())
        return same_id and same_secret

    def issue(self, client_id: str) -> IssuedToken:
        expires_at = self._clock.now().timestamp() + self._ttl
        claims = {"sub": client_id, "exp": expires_at, "jti": secrets.token_hex(8)}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        mac = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        return IssuedToken(f"{body}.{mac}", max(1, round(self._ttl)), client_id)

    def client_of(self, token: str | None) -> str:
        """The client id a valid token was issued to; raises :class:`TokenRejectedError` otherwise."""
        if not token:
            raise TokenRejectedError(TokenProblem.MISSING)
        body, dot, mac = token.partition(".")
        if not dot or not body or not mac:
            raise TokenRejectedError(TokenProblem.MALFORMED)
        expected = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, mac):
            raise TokenRejectedError(TokenProblem.BAD_SIGNATURE)
        try:
            claims = json.loads(_unb64(body))
            subject, expires_at = str(claims["sub"]), float(claims["exp"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenRejectedError(TokenProblem.MALFORMED) from exc
        if self._clock.now().timestamp() >= expires_at:
            raise TokenRejectedError(TokenProblem.EXPIRED)
        return subject

    @staticmethod
    def bearer_of(authorization: str | None) -> str | None:
        """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()
