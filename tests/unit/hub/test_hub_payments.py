"""Payments matched to dossiers and fee lines: dedupe, unknown dossiers, amounts, duplicates, refunds."""

from __future__ import annotations

from hub.rules import (
    FindingState,
    FindingType,
    LedgerEntry,
    Outcome,
    PaymentState,
    RuleSettings,
    apply_dossier_event,
    apply_payment,
    match_fee_lines,
    reconcile,
)
from tests.unit.hub.factories import FEE, applied, at, event, payment, snapshot

REF, OTHER = "REF-1", "REF-2"


def _dossier(*fees: int) -> LedgerEntry:
    return applied(event(4, at(1, 9), "e1", fees=fees or (FEE,)))


def _active(entry: LedgerEntry) -> list[tuple[FindingType, str]]:
    return sorted((f.type, f.key) for f in entry.active_findings)


def test_a_payment_of_the_fee_total_matches_without_findings() -> None:
    entry = _dossier()
    for kind in ("initiated", "pending", "succeeded"):
        entry = apply_payment(entry, payment(kind, reference=REF), at(1, 10)).entry
    (record,) = entry.payments
    assert (record.reference, record.state) == (REF, PaymentState.SUCCEEDED)
    assert entry.findings == ()


def test_the_same_event_or_the_same_step_again_is_a_duplicate() -> None:
    entry = apply_payment(_dossier(), payment("succeeded", reference=REF), at(1, 10)).entry
    assert apply_payment(entry, payment("succeeded", reference=REF), at(1, 11)).outcome is Outcome.DUPLICATE
    resent = payment("succeeded", reference=REF, event_id="callback-again")
    decision = apply_payment(entry, resent, at(1, 11))
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.entry.payments == entry.payments


def test_a_success_for_an_unknown_dossier_is_parked_with_a_finding_until_the_dossier_appears() -> None:
    decision = apply_payment(None, payment("succeeded", reference=REF), at(1, 7))
    assert decision.entry.province is None
    (finding,) = decision.findings
    assert (finding.type, finding.key, finding.state) == (
        FindingType.PAYMENT_UNKNOWN_DOSSIER,
        REF,
        FindingState.OPEN,
    )
    assert "52000 VND" in finding.detail


def test_an_initiated_or_failed_payment_for_an_unknown_dossier_is_no_finding() -> None:
    entry = apply_payment(None, payment("initiated", reference=REF, transaction=None), at(1, 7)).entry
    entry = apply_payment(entry, payment("failed", reference=REF), at(1, 8)).entry
    assert entry.findings == ()


def test_an_unknown_dossier_payment_asks_an_operator_after_the_grace_period() -> None:
    entry = apply_payment(None, payment("succeeded", reference=REF), at(1, 7)).entry
    rules = RuleSettings()
    assert reconcile(entry, at(4, 6), settings=rules).findings == ()
    (finding,) = reconcile(entry, at(4, 7), settings=rules).findings
    assert finding.state is FindingState.NEEDS_OPERATOR


def test_a_paid_amount_other_than_the_fee_total_is_a_mismatch_naming_the_lines() -> None:
    entry = apply_payment(_dossier(FEE, 8_000), payment("succeeded", reference=REF), at(1, 10)).entry
    (finding,) = entry.active_findings
    assert (finding.type, finding.key) == (FindingType.AMOUNT_MISMATCH, f"{REF}/PG0001")
    assert "52000 VND" in finding.detail
    assert "60000 VND" in finding.detail
    assert "LP02" in finding.detail


def test_a_later_snapshot_with_matching_fee_lines_heals_the_mismatch() -> None:
    entry = apply_payment(_dossier(), payment("succeeded", reference=REF, amount=60_000), at(1, 10)).entry
    assert _active(entry) == [(FindingType.AMOUNT_MISMATCH, f"{REF}/PG0001")]
    decision = apply_dossier_event(entry, event(6, at(1, 11), "e2", fees=(FEE, 8_000)), at(1, 11))
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.AMOUNT_MISMATCH, FindingState.HEALED)
    ]


def test_two_successes_for_one_reference_with_different_transactions_are_a_duplicate_payment() -> None:
    entry = apply_payment(_dossier(), payment("succeeded", reference=REF, transaction="T1"), at(1, 10)).entry
    entry = apply_payment(entry, payment("succeeded", reference=REF, transaction="T2"), at(1, 11)).entry
    assert _active(entry) == [(FindingType.DUPLICATE_PAYMENT, "")]


def test_two_references_both_succeeded_are_a_duplicate_payment_healed_by_a_refund() -> None:
    entry = apply_payment(_dossier(), payment("succeeded", reference=REF, transaction="T1"), at(1, 10)).entry
    entry = apply_payment(entry, payment("succeeded", reference=OTHER, transaction="T2"), at(1, 11)).entry
    assert _active(entry) == [(FindingType.DUPLICATE_PAYMENT, "")]
    decision = apply_payment(entry, payment("refunded", reference=OTHER, transaction="T2"), at(1, 12))
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.DUPLICATE_PAYMENT, FindingState.HEALED)
    ]
    assert {p.reference: p.state for p in decision.entry.payments} == {
        REF: PaymentState.SUCCEEDED,
        OTHER: PaymentState.REFUNDED,
    }


def test_a_failed_first_attempt_then_a_success_is_one_payment() -> None:
    entry = apply_payment(_dossier(), payment("failed", reference=REF, transaction="T1"), at(1, 10)).entry
    entry = apply_payment(entry, payment("succeeded", reference=OTHER, transaction="T2"), at(1, 11)).entry
    assert entry.findings == ()


def test_a_late_failure_does_not_undo_a_confirmed_success() -> None:
    entry = apply_payment(_dossier(), payment("succeeded", reference=REF), at(1, 10)).entry
    entry = apply_payment(entry, payment("failed", reference=REF), at(1, 11)).entry
    assert entry.payments[0].state is PaymentState.SUCCEEDED


def test_a_refund_before_its_success_is_kept_and_nets_out_when_the_success_arrives() -> None:
    entry = apply_payment(_dossier(), payment("refunded", reference=REF), at(1, 10)).entry
    entry = apply_payment(entry, payment("succeeded", reference=REF), at(1, 11)).entry
    assert entry.payments[0].state is PaymentState.REFUNDED
    assert entry.findings == ()


def test_fee_lines_are_matched_by_code_and_zero_lines_are_not_expected() -> None:
    fees = snapshot(fees=(FEE, 0, 8_000)).fees
    lines = payment("succeeded").data.lines
    match = match_fee_lines(fees, lines)
    assert (match.matched, match.unpaid, match.unexpected) == (("LP01",), ("LP03",), ())
