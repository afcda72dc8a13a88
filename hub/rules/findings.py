"""Findings: what reconciliation found wrong with a dossier (or an agency code), and whether it is still so.

A finding is identified by ``(type, subject, key)``: the subject is the dossier code (the agency code for
registry findings), the key tells apart several findings of one type for one subject (a payment reference,
the addressed agency code, a late event's id). Its life::

    open ──(condition gone)──► healed ──(condition back)──► open (occurrences + 1)
      │
      └──(the hub cannot fix it alone)──► needs_operator ──(condition gone)──► healed

Details name codes, statuses, revisions and amounts only — never a name, an ID number or a phone — because
findings are listed to operators and counted on dashboards.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from hub.rules._model import RuleModel

__all__ = ["Finding", "FindingAction", "FindingBook", "FindingState", "FindingType"]


class FindingType(StrEnum):
    """What is out of step."""

    MISSING_ON_PORTAL = "missing_on_portal"
    """The province has the dossier; the portal acknowledged nothing past the sync SLA."""
    STATUS_MISMATCH = "status_mismatch"
    """The portal's status differs from the province's latest past the sync SLA."""
    REGRESSION = "regression"
    """An older status arrived after a newer one; kept in the history, never applied."""
    PAYMENT_UNKNOWN_DOSSIER = "payment_unknown_dossier"
    """A payment succeeded for a dossier the hub has not seen."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """A standing payment's amount differs from the dossier's fee total."""
    DUPLICATE_PAYMENT = "duplicate_payment"
    """More than one successful payment stands for the same dossier."""
    UNKNOWN_AGENCY_CODE = "unknown_agency_code"
    """The dossier is addressed to a code the routing table does not know."""
    CLOSED_AGENCY_CODE = "closed_agency_code"
    """The dossier is addressed to a closed code; it was re-routed to the successor."""
    SUCCESSOR_CYCLE = "successor_cycle"
    """Closed codes name each other as successors: nothing can be routed through them."""
    SYNC_REFUSED = "sync_refused"
    """The portal refused a snapshot's content: retrying the same content cannot help."""


class FindingState(StrEnum):
    OPEN = "open"
    HEALED = "healed"
    NEEDS_OPERATOR = "needs_operator"


class FindingAction(StrEnum):
    """What the hub did (or asks) about a finding."""

    NONE = "none"
    RESYNC = "resync"
    REROUTE = "reroute"
    PARK = "park"
    DEAD_LETTER = "dead_letter"
    OPERATOR = "operator"


class Finding(RuleModel):
    """One finding and its current state."""

    type: FindingType
    subject: str
    key: str = ""
    state: FindingState
    action: FindingAction = FindingAction.NONE
    detail: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    healed_at: dt.datetime | None = None
    occurrences: int = 1
    """How many times the condition was found after having healed (1 for a first finding)."""

    @property
    def active(self) -> bool:
        """Open or waiting for an operator."""
        return self.state is not FindingState.HEALED

    def same(self, type_: FindingType, key: str) -> bool:
        return self.type is type_ and self.key == key


class FindingBook:
    """Collects the changes one rule makes to a subject's findings, then hands back the new tuple.

    Used inside one pure function call and then dropped: the rules stay pure, and ``changed`` lists exactly
    the findings the caller must persist and report.
    """

    def __init__(self, findings: tuple[Finding, ...], subject: str, now: dt.datetime) -> None:
        self._findings = list(findings)
        self._subject = subject
        self._now = now
        self._changed: dict[tuple[FindingType, str], Finding] = {}

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self._findings)

    @property
    def changed(self) -> tuple[Finding, ...]:
        return tuple(self._changed.values())

    def get(self, type_: FindingType, key: str = "") -> Finding | None:
        return next((f for f in self._findings if f.same(type_, key)), None)

    def is_active(self, type_: FindingType, key: str = "") -> bool:
        found = self.get(type_, key)
        return found is not None and found.active

    def raise_(
        self,
        type_: FindingType,
        detail: str,
        *,
        key: str = "",
        state: FindingState = FindingState.OPEN,
        action: FindingAction = FindingAction.NONE,
    ) -> Finding:
        """Open the finding (or reopen a healed one); an active one gets the new detail, state and action.

        Finding the condition again never lowers a finding an operator was asked about back to open."""
        found = self.get(type_, key)
        if found is None:
            finding = Finding(
                type=type_,
                subject=self._subject,
                key=key,
                state=state,
                action=action,
                detail=detail,
                opened_at=self._now,
                updated_at=self._now,
            )
        elif not found.active:
            finding = found.model_copy(
                update={
                    "state": state,
                    "action": action,
                    "detail": detail,
                    "opened_at": self._now,
                    "updated_at": self._now,
                    "healed_at": None,
                    "occurrences": found.occurrences + 1,
                }
            )
        elif found.state is FindingState.NEEDS_OPERATOR and state is FindingState.OPEN:
            return self._refresh(found, detail)
        elif (found.state, found.action, found.detail) == (state, action, detail):
            return found
        else:
            finding = found.model_copy(
                update={"state": state, "action": action, "detail": detail, "updated_at": self._now}
            )
        self._put(found, finding)
        return finding

    def heal(self, type_: FindingType, key: str = "", *, detail: str | None = None) -> Finding | None:
        """Mark an active finding healed; None when there is nothing active to heal."""
        found = self.get(type_, key)
        if found is None or not found.active:
            return None
        healed = found.model_copy(
            update={
                "state": FindingState.HEALED,
                "healed_at": self._now,
                "updated_at": self._now,
                "detail": found.detail if detail is None else detail,
            }
        )
        self._put(found, healed)
        return healed

    def heal_all(self, type_: FindingType) -> None:
        """Heal every active finding of ``type_``, whatever its key."""
        for key in [f.key for f in self._findings if f.type is type_ and f.active]:
            self.heal(type_, key)

    def record_healed(self, type_: FindingType, detail: str, *, key: str, action: FindingAction) -> Finding:
        """A condition found and dealt with in the same step (a closed code re-routed): open, then healed.

        Finding the same, already healed, condition again changes nothing: re-checking a re-routed dossier
        must not count it twice."""
        found = self.get(type_, key)
        if found is not None and found.state is FindingState.HEALED and found.detail == detail:
            return found
        self.raise_(type_, detail, key=key, action=action)
        healed = self.heal(type_, key)
        found = self.get(type_, key)
        assert found is not None
        return healed if healed is not None else found

    def _refresh(self, found: Finding, detail: str) -> Finding:
        if found.detail == detail:
            return found
        refreshed = found.model_copy(update={"detail": detail, "updated_at": self._now})
        self._put(found, refreshed)
        return refreshed

    def _put(self, old: Finding | None, new: Finding) -> None:
        if old is None:
            self._findings.append(new)
        else:
            self._findings[self._findings.index(old)] = new
        self._changed[(new.type, new.key)] = new
