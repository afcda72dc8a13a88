"""One sync command carried out against the portal, idempotently: look up, create or update, push progress.

The portal's writes are not idempotent by themselves — a create of a dossier it has answers ``03`` (đã tồn
tại) — and an answer can be lost after the write happened (the connection dropped). So:

* the look-up decides between create and update;
* a create answered ``03`` is sent again as an update (the earlier create landed, or another writer's did):
  the portal never gets a second create of the dossier from this connector;
* an update answered ``04`` (the dossier vanished since the look-up) is sent again as a create, once;
* the progress row is skipped when the look-up shows the portal already holds it (a command delivered
  again after a restart does not add a duplicate row); a row whose answer was lost may still be sent twice —
  the same status at the same time, which the portal shows as such;
* a snapshot older than what the portal shows — the look-up finds a progress row of a later time, e.g.
  when an operator replays a dead-lettered command after the dossier's later ones went through — is not
  sent at all: the portal never goes back to an older status. The report says ``superseded``.

Every call is retried by the gateway within the command's deadline; what remains is reported, not raised:
:class:`SyncReport` says what the portal acknowledged or which error ended the attempt. ``created`` means the
portal did not have the dossier when this sync looked it up.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import structlog

from connectors.errors import PortalError, PortalRefusedError, PortalUnavailableError
from connectors.portal.answers import ALREADY_EXISTS, NOT_FOUND
from connectors.portal.gateway import CallBudget, PortalGateway
from connectors.portal.mapping import holds_later_progress, progress_recorded, progress_row
from connectors.portal.retries import Clock
from contracts import DossierStatus, DossierStatusChanged, PortalSyncRequested

__all__ = ["DossierSync", "SyncReport"]

_log = structlog.get_logger("connectors.portal.sync")


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync achieved: ``error`` is ``None`` when the portal acknowledged the whole snapshot."""

    status: DossierStatus
    created: bool
    attempts: int
    error: PortalError | None = None
    superseded: bool = False
    """The portal already showed a later status; nothing was sent."""

    @property
    def completed(self) -> bool:
        return self.error is None


class DossierSync:
    """Makes the portal hold a command's snapshot."""

    def __init__(self, gateway: PortalGateway, *, deadline_s: float, clock: Clock = time.monotonic) -> None:
        self._gateway = gateway
        self._deadline_s = deadline_s
        self._clock = clock

    async def run(self, command: PortalSyncRequested) -> SyncReport:
        """Sync the snapshot; never raises a portal error (it is in the report)."""
        dossier = command.dossier
        budget = CallBudget(deadline=self._clock() + self._deadline_s)
        created = False
        try:
            async with asyncio.timeout(self._deadline_s):
                found = await self._gateway.lookup(dossier.dossier_code, budget)
                created = found is None
                row = progress_row(dossier)
                if found is not None and holds_later_progress(found, row):
                    _log.warning("the portal shows a later status; this older snapshot is not sent")
                    return SyncReport(dossier.status, False, budget.attempts, superseded=True)
                if found is None:
                    await self._create(dossier, budget)
                else:
                    await self._update(dossier, budget)
                if found is not None and progress_recorded(found, row):
                    _log.info("progress already on the portal", status=int(dossier.status))
                else:
                    await self._gateway.push_progress(dossier.dossier_code, [row], budget)
        except PortalError as exc:
            return SyncReport(dossier.status, created, max(1, budget.attempts), exc)
        except TimeoutError:
            error = PortalUnavailableError(
                f"no acknowledgement within the sync deadline of {self._deadline_s:g} s"
            )
            return SyncReport(dossier.status, created, max(1, budget.attempts), error)
        return SyncReport(dossier.status, created, budget.attempts)

    async def _create(self, dossier: DossierStatusChanged, budget: CallBudget) -> None:
        try:
            await self._gateway.create(dossier, budget)
        except PortalRefusedError as exc:
            if exc.error_code != ALREADY_EXISTS:
                raise
            _log.info("portal already has the dossier; updating it instead")
            await self._gateway.update(dossier, budget)

    async def _update(self, dossier: DossierStatusChanged, budget: CallBudget) -> None:
        try:
            await self._gateway.update(dossier, budget)
        except PortalRefusedError as exc:
            if exc.error_code != NOT_FOUND:
                raise
            _log.warning("portal lost the dossier since the look-up; creating it again")
            await self._gateway.create(dossier, budget)
