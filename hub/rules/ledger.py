"""The ledger entry: everything the hub knows about one dossier, as one immutable value.

Per dossier the hub keeps three views side by side — what the province says (:class:`ProvinceView` and the
status :attr:`LedgerEntry.history`), what the portal has acknowledged (:class:`PortalView`) and where the
sync stands (:class:`SyncState`) — plus the payments seen, the online submission (if the citizen filed on
the portal), the findings, the event keys already applied, and the events held while the online submission
is parked or dead-lettered (:attr:`LedgerEntry.held`, applied in arrival order once it is settled).
Reconciliation is a comparison of these views; every rule takes an entry and returns a new one, which the
state store persists as JSON.

Idempotence: :attr:`LedgerEntry.applied` holds the ``(source, id)`` of every event applied, most recent last,
bounded by :attr:`~hub.rules.settings.RuleSettings.max_applied_ids`. An id is never applied twice while it is
remembered; past the bound, content checks still recognise a re-delivery (a snapshot equal to one in the
history, a payment step already recorded, a sync outcome for a revision already acknowledged).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from contracts import DossierStatus, DossierStatusChanged
from contracts.events import PaymentLine
from hub.rules._model import RuleModel
from hub.rules.findings import Finding
from hub.rules.inbound import EventKey
from hub.rules.raw import RawRecord
from hub.rules.settings import RuleSettings

__all__ = [
    "HeldEvent",
    "LedgerEntry",
    "PaymentRecord",
    "PaymentState",
    "PaymentTransaction",
    "PortalView",
    "ProvinceView",
    "StatusRecord",
    "SubmissionRecord",
    "SubmissionState",
    "SyncFailure",
    "SyncState",
    "first_sight",
    "new_entry",
]


class StatusRecord(RuleModel):
    """One province event seen for the dossier: applied (it has a revision) or kept as a regression."""

    event: EventKey
    status: DossierStatus
    status_changed_at: dt.datetime
    event_time: dt.datetime
    """The event's ``ce_time``: when the province says it happened."""
    seen_at: dt.datetime
    """When the hub applied (or refused) it."""
    digest: str
    revision: int | None = None
    """The revision it became; None for a regression."""
    acknowledged_at: dt.datetime | None = None
    """When the portal first acknowledged this revision or a later one (the end of its sync delay)."""

    @property
    def applied(self) -> bool:
        return self.revision is not None


class ProvinceView(RuleModel):
    """The latest applied snapshot and the revision the hub gave it."""

    snapshot: DossierStatusChanged
    event: EventKey
    event_time: dt.datetime
    digest: str
    revision: int
    applied_at: dt.datetime
    first_applied_at: dt.datetime
    """When the hub first heard of the dossier from the province: the start of the missing-on-portal SLA."""


class PortalView(RuleModel):
    """What the portal acknowledged, and what a drift lookup last saw there."""

    revision: int | None = None
    """The highest revision acknowledged; None before the first, or after a lookup contradicted it."""
    status: DossierStatus | None = None
    acknowledged_at: dt.datetime | None = None
    created: bool | None = None
    looked_up_at: dt.datetime | None = None
    looked_up_status: DossierStatus | None = None
    """The status a drift lookup found; None when the portal did not have the dossier (or none was made)."""
    lookup_requested_at: dt.datetime | None = None
    """When the hub last asked the portal connector to look the dossier up; the answer sets ``looked_up_at``.
    An entry stored before drift lookups existed reads back with None."""


class SyncFailure(RuleModel):
    revision: int
    retriable: bool
    reason_code: str
    attempts: int
    failed_at: dt.datetime


class SyncState(RuleModel):
    """The last sync command the hub issued for the dossier and the last failure reported."""

    requested_revision: int | None = None
    requested_at: dt.datetime | None = None
    commands: int = 0
    """Sync commands issued in the dossier's life (first syncs and re-syncs)."""
    last_failure: SyncFailure | None = None


class PaymentState(StrEnum):
    INITIATED = "initiated"
    PENDING = "pending"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    REFUNDED = "refunded"


class PaymentTransaction(RuleModel):
    """One transaction (MaGiaoDich) of a payment reference and the outcomes reported for it."""

    transaction_id: str
    amount: int
    lines: tuple[PaymentLine, ...] = ()
    """The receipt's fee and charge lines, as the success reported them."""
    pending_at: dt.datetime | None = None
    failed_at: dt.datetime | None = None
    succeeded_at: dt.datetime | None = None
    refunded_amount: int = 0
    refunded_at: dt.datetime | None = None

    @property
    def state(self) -> PaymentState:
        """A success outranks a failure reported for the same transaction (late confirmations happen)."""
        if self.succeeded_at is not None:
            return PaymentState.REFUNDED if self.refunded_amount >= self.amount else PaymentState.SUCCEEDED
        if self.failed_at is not None:
            return PaymentState.FAILED
        return PaymentState.PENDING if self.pending_at is not None else PaymentState.INITIATED

    @property
    def standing_amount(self) -> int:
        """What the applicant has paid through this transaction and not been refunded."""
        return max(0, self.amount - self.refunded_amount) if self.succeeded_at is not None else 0


class PaymentRecord(RuleModel):
    """A payment reference (MaThamChieu) of the dossier."""

    reference: str
    amount: int
    first_seen_at: dt.datetime
    initiated_at: dt.datetime | None = None
    transactions: tuple[PaymentTransaction, ...] = ()
    steps: tuple[tuple[str, str], ...] = ()
    """``(outcome, transaction id or "")`` already recorded: a re-sent step is recognised by content."""

    @property
    def state(self) -> PaymentState:
        order = list(PaymentState)
        states = [t.state for t in self.transactions] or [PaymentState.INITIATED]
        return max(states, key=order.index)


class SubmissionState(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    PARKED = "parked"
    DEAD_LETTERED = "dead_lettered"
    DISCARDED = "discarded"
    """An operator discarded its dead letter: the dossier's held events went on without it."""


class SubmissionRecord(RuleModel):
    """The citizen's online submission on the portal and where the hub routed it."""

    event: EventKey
    portal_cursor: int
    submitted_at: dt.datetime
    addressed_code: str
    dossier: DossierStatusChanged
    state: SubmissionState = SubmissionState.RECEIVED
    routed_to: str | None = None
    followed_from: tuple[str, ...] = ()
    routed_at: dt.datetime | None = None
    dead_letters: int = 0
    """How many times it was dead-lettered (a replayed one can be parked and dead-lettered again)."""
    dead_letter: str | None = None
    """Where its last dead letter lies, ``TOPIC:PARTITION:OFFSET``."""

    @property
    def blocking(self) -> bool:
        """The dossier's later events must wait: the submission is parked, or its dead letter is written and
        neither replayed nor discarded yet (a submission dead-lettered without one holds nothing back: no
        operator action could ever release what it held)."""
        if self.state is SubmissionState.PARKED:
            return True
        return self.state is SubmissionState.DEAD_LETTERED and self.dead_letter is not None


class HeldEvent(RuleModel):
    """A province or payment event that arrived while the dossier's submission was blocking."""

    topic: str
    """The contract topic it came from (its name without prefix)."""
    event: EventKey
    raw: RawRecord
    held_at: dt.datetime


class LedgerEntry(RuleModel):
    """Everything the hub knows about one dossier."""

    dossier_code: str
    province: ProvinceView | None = None
    history: tuple[StatusRecord, ...] = ()
    """Province events in the order the hub saw them, regressions included."""
    portal: PortalView = Field(default_factory=PortalView)
    sync: SyncState = Field(default_factory=SyncState)
    payments: tuple[PaymentRecord, ...] = ()
    submission: SubmissionRecord | None = None
    findings: tuple[Finding, ...] = ()
    applied: tuple[EventKey, ...] = ()
    held: tuple[HeldEvent, ...] = ()
    """Events waiting behind the blocking submission, in arrival order; not applied, counted nowhere."""

    @property
    def blocked(self) -> bool:
        """Later events of the dossier are held (:attr:`SubmissionRecord.blocking`)."""
        return self.submission is not None and self.submission.blocking

    def holds(self, key: EventKey) -> bool:
        return any(held.event == key for held in self.held)

    @property
    def revision(self) -> int:
        """The hub's current revision of the province snapshot (0 before the first)."""
        return self.province.revision if self.province is not None else 0

    @property
    def status(self) -> DossierStatus | None:
        """The province's latest status."""
        return self.province.snapshot.status if self.province is not None else None

    @property
    def known(self) -> bool:
        """The hub has seen the dossier itself (from the province or as an online submission)."""
        return self.province is not None or self.submission is not None

    @property
    def dossier(self) -> DossierStatusChanged | None:
        """The best snapshot known: the province's, else the portal's submission."""
        if self.province is not None:
            return self.province.snapshot
        return self.submission.dossier if self.submission is not None else None

    @property
    def in_step(self) -> bool:
        """The portal acknowledged the current revision and holds the province's status."""
        return (
            self.province is not None
            and self.portal.revision is not None
            and self.portal.revision >= self.province.revision
            and self.portal.status == self.province.snapshot.status
        )

    @property
    def pending(self) -> bool:
        """A sync command is out that the portal has neither acknowledged nor refused for good."""
        requested = self.sync.requested_revision
        if requested is None or (self.portal.revision or 0) >= requested:
            return False
        failure = self.sync.last_failure
        return failure is None or failure.retriable or failure.revision < requested

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.active)

    def has_applied(self, key: EventKey) -> bool:
        return key in self.applied

    def remember(self, key: EventKey, settings: RuleSettings) -> LedgerEntry:
        """The entry with ``key`` recorded as applied (the oldest keys forgotten past the bound)."""
        applied = (*self.applied, key)[-settings.max_applied_ids :]
        return self.model_copy(update={"applied": applied})


def new_entry(dossier_code: str) -> LedgerEntry:
    """The entry of a dossier the hub has not heard of yet."""
    return LedgerEntry(dossier_code=dossier_code)


def first_sight(
    entry: LedgerEntry | None, key: EventKey, dossier_code: str, settings: RuleSettings
) -> tuple[LedgerEntry, bool]:
    """The entry to apply an event to (a new one for a dossier not seen yet) with the event's key remembered,
    and whether it is seen for the first time; a repeat returns the entry unchanged and False."""
    current = entry if entry is not None else new_entry(dossier_code)
    if current.has_applied(key):
        return current, False
    return current.remember(key, settings), True
