"""Payments: matching the payment platform's events to the dossier and its fee lines.

A payment event is keyed by its dossier code, so it lands on the dossier's ledger entry whether or not the
hub has seen the dossier. Each step is recorded once — by event ``(source, id)`` and by content
``(reference, transaction id, outcome)``, since the platform repeats callbacks and the connector's QUERY job
may report an outcome the callback already did. Then the payment findings are re-derived from the whole
entry (:func:`settle_payments`), so the order in which steps and dossier snapshots arrive does not matter:

* ``payment_unknown_dossier`` (key: reference) — a payment succeeded and the hub knows neither a province
  snapshot nor an online submission of the dossier. The payment stays on the entry (parked) and the finding
  heals when the dossier appears; past ``unknown_payment_grace`` an operator is asked.
* ``duplicate_payment`` — two or more transactions stand (succeeded, not fully refunded): the same reference
  with another transaction id, or two references. Heals when refunds leave at most one standing.
* ``amount_mismatch`` (key: ``reference/transaction``) — a standing transaction's amount net of refunds
  differs from the dossier's fee total (the sum of its fee lines). Heals when refunded to the total, or
  when a later snapshot's fee lines add up to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contracts import Envelope
from contracts.events import (
    DossierStatusChanged,
    FeeLine,
    PaymentEvent,
    PaymentFailed,
    PaymentInitiated,
    PaymentLine,
    PaymentPending,
    PaymentRefunded,
    PaymentSucceeded,
)
from hub.rules.decisions import Decision, Outcome
from hub.rules.findings import Finding, FindingAction, FindingBook, FindingState, FindingType
from hub.rules.inbound import event_key, narrow
from hub.rules.ledger import LedgerEntry, PaymentRecord, PaymentState, PaymentTransaction, first_sight
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings

__all__ = [
    "FeeLineMatch",
    "apply_payment",
    "escalate_unknown_payments",
    "fee_total",
    "match_fee_lines",
    "settle_payments",
]

_OUTCOMES: dict[type[PaymentEvent], PaymentState] = {
    PaymentInitiated: PaymentState.INITIATED,
    PaymentPending: PaymentState.PENDING,
    PaymentFailed: PaymentState.FAILED,
    PaymentSucceeded: PaymentState.SUCCEEDED,
    PaymentRefunded: PaymentState.REFUNDED,
}


def fee_total(dossier: DossierStatusChanged) -> int:
    """The sum of the dossier's fee lines (DanhSachLePhi), in VND."""
    return sum(fee.amount for fee in dossier.fees)


@dataclass(frozen=True, slots=True)
class FeeLineMatch:
    """Fee lines against a payment's receipt lines, by code (by name for a line without a code)."""

    matched: tuple[str, ...]
    unpaid: tuple[str, ...]
    """Fee lines of the dossier (with an amount) the payment does not carry."""
    unexpected: tuple[str, ...]
    """Receipt lines the dossier's fee lines do not name."""


def _line_id(code: str | None, name: str) -> str:
    return code if code is not None else name


def match_fee_lines(fees: Iterable[FeeLine], lines: Iterable[PaymentLine]) -> FeeLineMatch:
    """Which fee lines a payment covers. Zero-amount fee lines are never expected to be paid."""
    expected = [_line_id(f.code, f.name) for f in fees if f.amount > 0]
    paid = [_line_id(line.code, line.name) for line in lines]
    return FeeLineMatch(
        matched=tuple(x for x in expected if x in paid),
        unpaid=tuple(x for x in expected if x not in paid),
        unexpected=tuple(x for x in paid if x not in expected),
    )


def apply_payment(
    entry: LedgerEntry | None,
    envelope: Envelope[Any],
    now: dt.datetime,
    *,
    settings: RuleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Record one payment step on the dossier's entry and re-derive the payment findings."""
    data = narrow(envelope, PaymentEvent).data
    key = event_key(envelope)
    current, first = first_sight(entry, key, data.dossier_code, settings)
    if not first:
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    state = _OUTCOMES[type(data)]
    transaction_id: str | None = getattr(data, "transaction_id", None)
    step = (state.value, transaction_id or "")
    record = next((p for p in current.payments if p.reference == data.reference), None)
    if record is not None and step in record.steps:
        return Decision(entry=current, outcome=Outcome.DUPLICATE)
    if record is None:
        record = PaymentRecord(reference=data.reference, amount=data.amount, first_seen_at=now)
    record = _record_step(record, data, state, transaction_id, step)
    others = tuple(p for p in current.payments if p.reference != data.reference)
    payments = tuple(sorted((*others, record), key=lambda p: p.reference))
    current, changed = settle_payments(current.model_copy(update={"payments": payments}), now)
    return Decision(entry=current, outcome=Outcome.APPLIED, findings=changed)


def _record_step(
    record: PaymentRecord,
    data: PaymentEvent,
    state: PaymentState,
    transaction_id: str | None,
    step: tuple[str, str],
) -> PaymentRecord:
    update: dict[str, Any] = {"steps": (*record.steps, step)}
    if state is PaymentState.INITIATED:
        update["amount"] = data.amount
        update["initiated_at"] = data.occurred_at
    if transaction_id is not None:
        found = next((t for t in record.transactions if t.transaction_id == transaction_id), None)
        transaction = found or PaymentTransaction(transaction_id=transaction_id, amount=data.amount)
        transaction = _transaction_step(transaction, data, state)
        others = tuple(t for t in record.transactions if t.transaction_id != transaction_id)
        update["transactions"] = tuple(sorted((*others, transaction), key=lambda t: t.transaction_id))
    return record.model_copy(update=update)


def _transaction_step(
    transaction: PaymentTransaction, data: PaymentEvent, state: PaymentState
) -> PaymentTransaction:
    at = data.occurred_at
    if state is PaymentState.PENDING:
        return transaction.model_copy(update={"pending_at": transaction.pending_at or at})
    if state is PaymentState.FAILED:
        return transaction.model_copy(update={"failed_at": transaction.failed_at or at})
    if state is PaymentState.SUCCEEDED:
        return transaction.model_copy(update={"succeeded_at": at, "amount": data.amount, "lines": data.lines})
    if state is PaymentState.REFUNDED:
        return transaction.model_copy(update={"refunded_amount": data.amount, "refunded_at": at})
    return transaction


def _standing(entry: LedgerEntry) -> list[tuple[PaymentRecord, PaymentTransaction]]:
    found = [(p, t) for p in entry.payments for t in p.transactions if t.standing_amount > 0]
    return sorted(found, key=lambda pt: (pt[1].succeeded_at, pt[0].reference, pt[1].transaction_id))


def settle_payments(entry: LedgerEntry, now: dt.datetime) -> tuple[LedgerEntry, tuple[Finding, ...]]:
    """The payment findings the entry's payments and fee lines call for (opened, kept, or healed)."""
    book = FindingBook(entry.findings, entry.dossier_code, now)
    dossier = entry.dossier
    if dossier is None:
        for record in entry.payments:
            succeeded = [t for t in record.transactions if t.succeeded_at is not None]
            if succeeded:
                book.raise_(
                    FindingType.PAYMENT_UNKNOWN_DOSSIER,
                    f"payment {record.reference} succeeded ({succeeded[0].amount} VND) for a dossier the hub "
                    "has not seen; kept until the dossier appears",
                    key=record.reference,
                    action=FindingAction.PARK,
                )
        return entry.model_copy(update={"findings": book.findings}), book.changed
    book.heal_all(FindingType.PAYMENT_UNKNOWN_DOSSIER)
    total = fee_total(dossier)
    standing = _standing(entry)
    if len(standing) > 1:
        listed = ", ".join(f"{p.reference}/{t.transaction_id} ({t.standing_amount} VND)" for p, t in standing)
        book.raise_(
            FindingType.DUPLICATE_PAYMENT,
            f"{len(standing)} successful payments stand for one fee total of {total} VND: {listed}",
            action=FindingAction.OPERATOR,
        )
    else:
        book.heal(FindingType.DUPLICATE_PAYMENT)
    for record in entry.payments:
        for transaction in record.transactions:
            key = f"{record.reference}/{transaction.transaction_id}"
            paid = transaction.standing_amount
            if paid > 0 and paid != total:
                book.raise_(
                    FindingType.AMOUNT_MISMATCH,
                    f"payment {key} stands at {paid} VND; the dossier's fee lines total {total} VND"
                    + _line_note(match_fee_lines(dossier.fees, transaction.lines)),
                    key=key,
                    action=FindingAction.OPERATOR,
                )
            else:
                book.heal(FindingType.AMOUNT_MISMATCH, key)
    return entry.model_copy(update={"findings": book.findings}), book.changed


def _line_note(match: FeeLineMatch) -> str:
    notes = []
    if match.unpaid:
        notes.append(f"fee lines not paid: {', '.join(match.unpaid)}")
    if match.unexpected:
        notes.append(f"receipt lines not among the fee lines: {', '.join(match.unexpected)}")
    return "".join(f"; {note}" for note in notes)


def escalate_unknown_payments(
    entry: LedgerEntry, now: dt.datetime, *, settings: RuleSettings = DEFAULT_SETTINGS
) -> tuple[LedgerEntry, tuple[Finding, ...]]:
    """Ask an operator about payments still waiting for their dossier past the grace period."""
    book = FindingBook(entry.findings, entry.dossier_code, now)
    for finding in entry.findings:
        if (
            finding.type is FindingType.PAYMENT_UNKNOWN_DOSSIER
            and finding.state is FindingState.OPEN
            and now - finding.opened_at >= settings.unknown_payment_grace
        ):
            book.raise_(
                finding.type,
                f"{finding.detail}; still unknown after {settings.unknown_payment_grace}",
                key=finding.key,
                state=FindingState.NEEDS_OPERATOR,
                action=FindingAction.OPERATOR,
            )
    return entry.model_copy(update={"findings": book.findings}), book.changed
