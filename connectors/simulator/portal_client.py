"""The simulated citizens and the province's payment calls against the (mock) national portal, over HTTP.

* ``POST /citizen/submissions``: a citizen files online, backdated to the simulated time (``ThoiDiemNop``);
  the portal must answer the dossier code the simulator predicted, or the run stops: every later event of
  the dossier would name a code the portal does not have (a portal that already holds submissions for the
  same agencies and days — reset it, or simulate other days);
* ``POST /api/paygov/INIT`` with a bearer token (client-credentials grant at ``/oauth/token``), then the
  citizen's ``POST /pay/{MaThamChieu}``; a pending payment is watched at ``GET /pay/{MaThamChieu}`` until the
  platform knows its outcome.

Unexpected answers raise :class:`DriveError`; :class:`PredictionError` is the one that stops the run.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx

from connectors.simulator.lifecycle import PaymentAttempt
from connectors.simulator.retries import GAVE_UP, NO_ANSWER, NOT_SENT, RetryPolicy, Sleep, send_with_retries
from connectors.simulator.wire import init_body, pay_body

__all__ = ["DriveError", "PortalClient", "PredictionError"]

_TOKEN_MARGIN_SECONDS = 60.0
_PENDING = 3
_DUPLICATE_REFERENCE = "05"


class DriveError(Exception):
    """An answer the simulation did not expect."""


class PredictionError(DriveError):
    """The portal assigned another dossier code than predicted."""


def _answer(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        raise DriveError(f"{what}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(answer, dict):
        raise DriveError(f"{what}: HTTP {response.status_code}, not a JSON object")
    return answer


class PortalClient:
    """One connection pool to the portal; counts retries in ``retries``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        partner_code: str,
        policy: RetryPolicy,
        sleep: Sleep,
    ) -> None:
        self._http = http
        self._credentials = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self.partner_code = partner_code
        self._policy = policy
        self._sleep = sleep
        self._token: str | None = None
        self._token_expires = 0.0
        self.retries = 0

    async def _send(
        self, method: str, path: str, *, retry_on: tuple[type[Exception], ...] = NO_ANSWER, **kwargs: Any
    ) -> httpx.Response:
        try:
            response, attempts = await send_with_retries(
                self._policy,
                self._sleep,
                lambda: self._http.request(method, path, **kwargs),
                what=f"{method} {path}",
                retry_on=retry_on,
            )
        except GAVE_UP as exc:
            raise DriveError(f"{method} {path}: no usable answer after retries: {exc!r}") from exc
        self.retries += attempts - 1
        return response

    async def _bearer(self, *, renew: bool = False) -> str:
        if not renew and self._token is not None and time.monotonic() < self._token_expires:
            return self._token
        response = await self._send("POST", "/oauth/token", data=self._credentials)
        answer = _answer(response, "token")
        if response.status_code != 200 or "access_token" not in answer:
            raise DriveError(f"token: HTTP {response.status_code}: {answer.get('error_description', answer)}")
        lifetime = float(answer.get("expires_in", 300))
        self._token = str(answer["access_token"])
        self._token_expires = time.monotonic() + max(lifetime - _TOKEN_MARGIN_SECONDS, lifetime / 2)
        return self._token

    async def submit(self, body: dict[str, Any], expected_code: str) -> None:
        """File a citizen's submission; PredictionError unless the portal assigns ``expected_code``."""
        response = await self._send("POST", "/citizen/submissions", json=body, retry_on=NOT_SENT)
        answer = _answer(response, "submission")
        if response.status_code != 200 or answer.get("error_code") != "00":
            raise DriveError(f"submission for {expected_code}: HTTP {response.status_code}: {answer}")
        if answer.get("MaHoSo") != expected_code:
            raise PredictionError(
                f"the portal assigned {answer.get('MaHoSo')} where {expected_code} was predicted: it already "
                "held submissions for this agency and day (reset it with POST /admin/reset, or simulate "
                "other days)"
            )

    async def initiate(self, attempt: PaymentAttempt) -> None:
        """INIT the transaction (an INIT answered "reference already used" was applied by an earlier try)."""
        body = init_body(attempt, partner_code=self.partner_code)
        for renew in (False, True):
            token = await self._bearer(renew=renew)
            headers = {"Authorization": f"Bearer {token}"}
            response = await self._send("POST", "/api/paygov/INIT", json=body, headers=headers)
            if response.status_code != 401:
                break
        answer = _answer(response, "INIT")
        if response.status_code != 200 or answer.get("MaLoi") not in ("00", _DUPLICATE_REFERENCE):
            raise DriveError(f"INIT {attempt.reference}: HTTP {response.status_code}: {answer}")

    def _pay_path(self, attempt: PaymentAttempt) -> str:
        return f"/pay/{quote(attempt.reference, safe='')}"

    async def pay(self, attempt: PaymentAttempt) -> None:
        """The citizen pays with the attempt's outcome."""
        response = await self._send(
            "POST", self._pay_path(attempt), json=pay_body(attempt), retry_on=NOT_SENT
        )
        answer = _answer(response, "pay")
        if response.status_code != 200 or answer.get("MaLoi") != "00":
            raise DriveError(f"pay {attempt.reference}: HTTP {response.status_code}: {answer}")

    async def resolved(self, attempt: PaymentAttempt) -> bool:
        """Whether the platform knows the outcome of the payment now."""
        response = await self._send("GET", self._pay_path(attempt))
        answer = _answer(response, "pay page")
        if response.status_code != 200:
            raise DriveError(f"pay page {attempt.reference}: HTTP {response.status_code}: {answer}")
        return answer.get("TrangThaiGD") != _PENDING
