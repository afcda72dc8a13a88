"""Reconciliation: sync outcomes, the SLA checks, re-sync throttling, drift lookups, healing."""

from __future__ import annotations

import datetime as dt

from contracts import DossierStatus, SyncReason
from hub.rules import (
    FindingAction,
    FindingState,
    FindingType,
    LedgerEntry,
    Outcome,
    RuleSettings,
    apply_sync_completed,
    apply_sync_failed,
    check_drift,
    reconcile,
)
from tests.unit.hub.factories import applied, at, completed, event, failed

SLA = dt.timedelta(minutes=15)


def _entry() -> LedgerEntry:
    """Received 08:00 (revision 1), processing 09:00 (revision 2), both applied at their event time."""
    return applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"))


def _states(entry: LedgerEntry) -> dict[FindingType, FindingState]:
    return {f.type: f.state for f in entry.findings}


def test_a_completion_moves_the_portal_view_and_stamps_the_revisions_it_covers() -> None:
    decision = apply_sync_completed(_entry(), completed(2, 4, at(1, 9, 1)), at(1, 9, 1))
    entry = decision.entry
    assert decision.outcome is Outcome.APPLIED
    assert (entry.portal.revision, entry.portal.status, entry.in_step, entry.pending) == (
        2,
        DossierStatus.PROCESSING,
        True,
        False,
    )
    assert [r.acknowledged_at for r in entry.history] == [at(1, 9, 1), at(1, 9, 1)]


def test_an_outcome_for_an_older_revision_than_acknowledged_is_stale() -> None:
    entry = apply_sync_completed(_entry(), completed(2, 4, at(1, 9, 1)), at(1, 9, 1)).entry
    decision = apply_sync_completed(entry, completed(1, 2, at(1, 9, 2)), at(1, 9, 2))
    assert decision.outcome is Outcome.STALE
    assert decision.entry.portal == entry.portal
    assert apply_sync_failed(entry, failed(2, retriable=True), at(1, 9, 3)).outcome is Outcome.STALE


def test_a_refusal_needs_an_operator_and_stops_automatic_resyncs_of_that_revision() -> None:
    decision = apply_sync_failed(_entry(), failed(2, retriable=False), at(1, 9, 1))
    (finding,) = decision.findings
    assert (finding.type, finding.state) == (FindingType.SYNC_REFUSED, FindingState.NEEDS_OPERATOR)
    assert "portal_refused:01" in finding.detail
    assert not decision.entry.pending
    later = reconcile(decision.entry, at(1, 12))
    assert later.commands == ()
    assert {f.type: f.action for f in later.entry.active_findings}[FindingType.MISSING_ON_PORTAL] is (
        FindingAction.OPERATOR
    )


def test_a_retriable_failure_leaves_the_sync_pending_without_a_finding() -> None:
    decision = apply_sync_failed(_entry(), failed(2, retriable=True), at(1, 9, 1))
    assert decision.findings == ()
    assert decision.entry.pending
    assert decision.entry.sync.last_failure is not None


def test_a_later_acknowledgement_heals_a_refusal() -> None:
    refused = apply_sync_failed(_entry(), failed(2, retriable=False), at(1, 9, 1)).entry
    entry = applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"), event(6, at(1, 10), "e3"))
    entry = entry.model_copy(update={"findings": refused.findings, "sync": refused.sync})
    healed = apply_sync_completed(entry, completed(3, 6, at(1, 10, 1)), at(1, 10, 1))
    assert _states(healed.entry)[FindingType.SYNC_REFUSED] is FindingState.HEALED


def test_within_the_sla_nothing_is_missing() -> None:
    decision = reconcile(_entry(), at(1, 8) + SLA - dt.timedelta(seconds=1))
    assert (decision.findings, decision.commands) == ((), ())


def test_past_the_sla_without_any_acknowledgement_the_dossier_is_missing_and_resynced() -> None:
    decision = reconcile(_entry(), at(1, 9, 30))
    (finding,) = decision.findings
    assert (finding.type, finding.action) == (FindingType.MISSING_ON_PORTAL, FindingAction.RESYNC)
    (command,) = decision.commands
    assert (command.data.reason, command.data.revision) == (SyncReason.RESYNC, 2)
    assert decision.entry.sync.requested_at == at(1, 9, 30)


def test_resyncs_of_one_revision_are_throttled() -> None:
    first = reconcile(_entry(), at(1, 9, 30))
    assert reconcile(first.entry, at(1, 9, 40)).commands == ()
    assert len(reconcile(first.entry, at(1, 9, 45)).commands) == 1


def test_a_completion_heals_missing_on_portal() -> None:
    missing = reconcile(_entry(), at(1, 9, 30)).entry
    decision = apply_sync_completed(missing, completed(2, 4, at(1, 9, 31)), at(1, 9, 31))
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.MISSING_ON_PORTAL, FindingState.HEALED)
    ]


def test_a_portal_behind_past_the_sla_is_a_status_mismatch_until_it_acknowledges_the_latest() -> None:
    behind = apply_sync_completed(_entry(), completed(1, 2, at(1, 8, 1)), at(1, 8, 1)).entry
    assert reconcile(behind, at(1, 9, 10)).findings == ()
    decision = reconcile(behind, at(1, 9, 15))
    (finding,) = decision.findings
    assert finding.type is FindingType.STATUS_MISMATCH
    assert "status 2" in finding.detail
    assert "status 4" in finding.detail
    assert len(decision.commands) == 1
    healed = apply_sync_completed(decision.entry, completed(2, 4, at(1, 9, 16)), at(1, 9, 16))
    assert _states(healed.entry)[FindingType.STATUS_MISMATCH] is FindingState.HEALED


def test_a_lagging_revision_with_the_same_status_is_resynced_without_a_finding() -> None:
    entry = applied(event(4, at(1, 9), "e1"), event(4, at(1, 10), "e2", online_payment=1))
    entry = apply_sync_completed(entry, completed(1, 4, at(1, 9, 1)), at(1, 9, 1)).entry
    decision = reconcile(entry, at(1, 10, 20))
    assert decision.findings == ()
    assert len(decision.commands) == 1


def test_a_drift_lookup_finding_the_province_status_heals_the_sync_findings() -> None:
    missing = reconcile(_entry(), at(1, 9, 30)).entry
    decision = check_drift(missing, DossierStatus.PROCESSING, at(1, 9, 35))
    assert _states(decision.entry)[FindingType.MISSING_ON_PORTAL] is FindingState.HEALED
    assert decision.entry.portal.looked_up_status is DossierStatus.PROCESSING
    assert decision.commands == ()


def test_a_drift_lookup_contradicting_an_acknowledgement_wipes_it_and_resyncs() -> None:
    synced = apply_sync_completed(_entry(), completed(2, 4, at(1, 9, 1)), at(1, 9, 1)).entry
    decision = check_drift(synced, DossierStatus.RECEIVED, at(1, 12))
    (finding,) = decision.findings
    assert finding.type is FindingType.STATUS_MISMATCH
    assert decision.entry.portal.revision is None
    (command,) = decision.commands
    assert command.data.revision == 2
    healed = apply_sync_completed(decision.entry, completed(2, 4, at(1, 12, 1)), at(1, 12, 1))
    assert healed.outcome is Outcome.APPLIED
    assert _states(healed.entry)[FindingType.STATUS_MISMATCH] is FindingState.HEALED


def test_a_drift_lookup_not_finding_the_dossier_is_missing_on_portal() -> None:
    synced = apply_sync_completed(_entry(), completed(2, 4, at(1, 9, 1)), at(1, 9, 1)).entry
    decision = check_drift(synced, None, at(1, 12))
    assert [f.type for f in decision.findings] == [FindingType.MISSING_ON_PORTAL]
    assert len(decision.commands) == 1


def test_a_drift_lookup_during_a_sync_in_flight_only_records_what_it_saw() -> None:
    entry = apply_sync_completed(_entry(), completed(1, 2, at(1, 8, 1)), at(1, 8, 1)).entry
    decision = check_drift(entry, DossierStatus.RECEIVED, at(1, 9, 5))
    assert (decision.findings, decision.commands) == ((), ())
    assert decision.entry.portal.looked_up_at == at(1, 9, 5)


def test_a_sync_the_connector_gave_up_on_goes_again_after_the_outage_interval_not_the_sla() -> None:
    rules = RuleSettings(sync_sla=dt.timedelta(hours=3), outage_retry_interval=dt.timedelta(minutes=2))
    gave_up = apply_sync_failed(_entry(), failed(2, retriable=True, when=at(1, 9, 1)), at(1, 9, 1)).entry
    assert reconcile(gave_up, at(1, 9, 2), settings=rules).commands == ()
    again = reconcile(gave_up, at(1, 9, 3), settings=rules)
    (command,) = again.commands
    assert (command.data.reason, command.data.revision) == (SyncReason.RESYNC, 2)
    assert again.findings == (), "an outage within the SLA is no finding"
    assert reconcile(again.entry, at(1, 9, 10), settings=rules).commands == (), "sent again once per failure"


def test_a_failure_of_an_older_revision_does_not_resend_the_current_one_early() -> None:
    rules = RuleSettings(sync_sla=dt.timedelta(hours=3), outage_retry_interval=dt.timedelta(minutes=2))
    gave_up = apply_sync_failed(_entry(), failed(2, retriable=True, when=at(1, 9, 1)), at(1, 9, 1)).entry
    newer = applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"), event(6, at(1, 9, 5), "e3"))
    newer = newer.model_copy(
        update={"sync": newer.sync.model_copy(update={"last_failure": gave_up.sync.last_failure})}
    )
    assert reconcile(newer, at(1, 9, 30), settings=rules).commands == ()
