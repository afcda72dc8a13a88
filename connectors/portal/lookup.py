"""One lookup command carried out against the portal: ``TraCuuHoSo`` through the gateway, nothing written.

The hub's drift check asks what the portal holds for a dossier it believes in step. The lookup is the same
call a sync starts with — through the same gateway (circuit breaker, rate limit, the portal-call retry
policy) and bounded by the same per-command deadline (``sync_deadline_seconds``) — and changes nothing on the
portal, so running it twice is harmless. What remains is reported, not raised: :class:`LookupReport` says
whether the portal has the dossier and which status it holds, or which error ended the attempt.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from connectors.errors import PortalError, PortalRecordError, PortalUnavailableError
from connectors.portal.gateway import CallBudget, PortalGateway
from connectors.portal.mapping import held_status
from connectors.portal.retries import Clock
from contracts import DossierStatus, PortalLookupRequested

__all__ = ["DossierLookup", "LookupReport"]


@dataclass(frozen=True, slots=True)
class LookupReport:
    """What one lookup found: ``status`` None and ``error`` None means the portal has no such dossier."""

    status: DossierStatus | None
    attempts: int
    error: PortalError | None = None

    @property
    def found(self) -> bool:
        return self.status is not None


class DossierLookup:
    """Asks the portal what it holds for a dossier."""

    def __init__(self, gateway: PortalGateway, *, deadline_s: float, clock: Clock = time.monotonic) -> None:
        self._gateway = gateway
        self._deadline_s = deadline_s
        self._clock = clock

    async def run(self, command: PortalLookupRequested) -> LookupReport:
        """Look the dossier up; never raises a portal error (it is in the report)."""
        budget = CallBudget(deadline=self._clock() + self._deadline_s)
        try:
            async with asyncio.timeout(self._deadline_s):
                found = await self._gateway.lookup(command.dossier_code, budget)
        except PortalError as exc:
            return LookupReport(None, max(1, budget.attempts), exc)
        except TimeoutError:
            error = PortalUnavailableError(f"no answer within the lookup deadline of {self._deadline_s:g} s")
            return LookupReport(None, max(1, budget.attempts), error)
        if found is None:
            return LookupReport(None, budget.attempts)
        status = held_status(found)
        if status is None:
            unreadable = PortalRecordError("lookup: the portal's record holds no known TrangThaiHoSo")
            return LookupReport(None, budget.attempts, unreadable)
        return LookupReport(status, budget.attempts)
