"""Events between the hub and the portal connector: sync and lookup commands, their outcomes, and online
submissions — and the submissions the hub routed on to the receiving province.

The hub commands a sync of a dossier's current snapshot (:class:`PortalSyncRequested`); the portal connector
performs it against the national portal (look up, then create or update, then progress) and reports what the
portal acknowledged (:class:`PortalSyncCompleted`) or why it could not (:class:`PortalSyncFailed`). For its
drift check the hub asks what the portal holds now (:class:`PortalLookupRequested`); the connector looks the
dossier up without changing anything and reports the status found, or that there was none
(:class:`PortalLookupCompleted`). Citizens'
online submissions found on the portal come in as :class:`OnlineSubmissionReceived`. All are keyed by dossier
code, so one dossier's commands and outcomes stay in order. Once the hub has decided which agency receives an
online submission (following closed codes to their successors), it publishes :class:`SubmissionRouted` for the
province.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, StrictBool, StrictInt, model_validator

from contracts.codes import AgencyCode, DossierCode, OpaqueCode
from contracts.codes._problem import invalid
from contracts.events.base import TYPE_PREFIX, EventData
from contracts.events.dossier import DossierStatus, DossierStatusChanged
from contracts.text import VietnameseText
from contracts.timestamps import Timestamp

__all__ = [
    "LookupReason",
    "OnlineSubmissionReceived",
    "PortalLookupCompleted",
    "PortalLookupRequested",
    "PortalSyncCompleted",
    "PortalSyncFailed",
    "PortalSyncRequested",
    "SubmissionRouted",
    "SyncReason",
]

Revision = Annotated[StrictInt, Field(ge=1)]
"""The hub's revision of a dossier's snapshot: increases with every change the hub applies."""


class SyncReason(StrEnum):
    """Why the hub asks for a sync."""

    PROVINCE_EVENT = "province_event"
    """The province reported a new status or change."""
    RESYNC = "resync"
    """Reconciliation found the portal behind (missing past the SLA, status mismatch, drift)."""
    REPLAY = "replay"
    """An operator replayed the command."""


class PortalSyncRequested(EventData):
    """Make the portal hold this snapshot of the dossier: create or update it, then push its progress."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.sync_requested.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    revision: Revision
    reason: SyncReason
    requested_at: Timestamp
    dossier: DossierStatusChanged
    """The full snapshot to sync; its dossier code is this command's."""

    @model_validator(mode="after")
    def _same_dossier(self) -> Self:
        if self.dossier.dossier_code != self.dossier_code:
            raise invalid("sync_dossier", "dossier.dossier_code must equal dossier_code")
        return self


class PortalSyncCompleted(EventData):
    """The portal acknowledged a snapshot: it now holds this status for the dossier."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.sync_completed.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    revision: Revision
    """The revision of the command this answers."""
    status: DossierStatus
    """The status the portal holds after the sync."""
    created: StrictBool
    """True when this sync created the dossier on the portal, False when it updated an existing one."""
    attempts: Annotated[StrictInt, Field(ge=1)]
    """Calls made, counting in-process retries."""
    requested_at: Timestamp
    acknowledged_at: Timestamp


class PortalSyncFailed(EventData):
    """The portal refused a snapshot, or could not be reached within the connector's retries."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.sync_failed.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    revision: Revision
    retriable: StrictBool
    """True for an outage (5xx, timeout, 429, open circuit); False for a refusal of the content."""
    reason_code: OpaqueCode
    """Short and stable, e.g. ``portal_unavailable``, ``portal_refused:01``."""
    message: VietnameseText
    """What went wrong, for operators; never carries personal data."""
    attempts: Annotated[StrictInt, Field(ge=1)]
    requested_at: Timestamp
    failed_at: Timestamp


class LookupReason(StrEnum):
    """Why the hub asks what the portal holds."""

    DRIFT = "drift"
    """The periodic drift check: the portal may have changed or lost what it once acknowledged."""
    OPERATOR = "operator"
    """An operator asked where the dossier stands on the portal."""


class PortalLookupRequested(EventData):
    """Look the dossier up on the portal (``TraCuuHoSo``) and report the status it holds; change nothing."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.lookup_requested.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    reason: LookupReason
    requested_at: Timestamp


class PortalLookupCompleted(EventData):
    """What the portal held for the dossier when the connector looked it up."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.lookup_completed.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    found: StrictBool
    """False when the portal answered that it has no such dossier."""
    status: DossierStatus | None = None
    """The status the portal holds; present exactly when the dossier was found."""
    looked_up_at: Timestamp
    """When the portal answered."""
    requested_at: Timestamp
    """The ``requested_at`` of the command this answers."""

    @model_validator(mode="after")
    def _status_iff_found(self) -> Self:
        if self.found and self.status is None:
            raise invalid("lookup_status", "a dossier found on the portal carries the status it holds")
        if not self.found and self.status is not None:
            raise invalid("lookup_status", "a dossier not found on the portal has no status")
        return self


class OnlineSubmissionReceived(EventData):
    """A citizen filed a dossier online on the national portal; the province must receive it."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}portal.submission_received.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    portal_cursor: Annotated[StrictInt, Field(ge=1)]
    """The portal's position of this submission in its feed: the connector resumes after the last one."""
    submitted_at: Timestamp
    dossier: DossierStatusChanged
    """The dossier as filed: status 1 (new registration), online channel."""

    @model_validator(mode="after")
    def _filed_online(self) -> Self:
        if self.dossier.dossier_code != self.dossier_code:
            raise invalid("submission_dossier", "dossier.dossier_code must equal dossier_code")
        if self.dossier.status is not DossierStatus.NEW_REGISTRATION:
            raise invalid("submission_dossier", "an online submission carries status 1 (new registration)")
        return self


class SubmissionRouted(EventData):
    """An online submission the hub routed to the agency that now receives it, for that province's system."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}province.submission_routed.v1"
    key_field: ClassVar[str] = "dossier_code"

    dossier_code: DossierCode
    receiving_agency_code: AgencyCode
    """The agency that receives the dossier: the addressed code, or the open successor of a closed one."""
    addressed_code: AgencyCode
    """The code the citizen's submission was addressed to on the portal."""
    followed_from: tuple[AgencyCode, ...] = ()
    """The closed codes followed to reach the receiving agency, in order (empty when addressed directly)."""
    portal_cursor: Annotated[StrictInt, Field(ge=1)]
    submitted_at: Timestamp
    routed_at: Timestamp
    dossier: DossierStatusChanged
    """The dossier as filed on the portal (its receiving agency code as the citizen chose it)."""

    @model_validator(mode="after")
    def _same_dossier(self) -> Self:
        if self.dossier.dossier_code != self.dossier_code:
            raise invalid("routed_dossier", "dossier.dossier_code must equal dossier_code")
        return self
