"""Drafting one dossier: its procedure, applicant, components, fees, payment plan and lifecycle plan.

A draft has no dossier code yet (codes are numbered once every dossier of an agency's day is known) and is
not cut at the horizon yet. Each draw uses the shares of the province's :class:`Profile`:

* fee: with ``fee_share`` a procedure with a fee; otherwise a free one — or, with ``exempt_share``, a fee
  procedure whose lines are all zero (an exempt applicant);
* reuse: with ``reuse_share`` one or two components are reused (and so digitised, some from the national data
  store); otherwise components are digitised with the probability that makes the dossier-level digitisation
  share ``digitisation_share``;
* payment: with ``online_payment_share`` a dossier with a fee is paid online (``gateway_share`` of those
  through the provincial gateway), else at the desk — a third of those after a failed online attempt.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from connectors.simulator.catalogue import Procedure, procedures_for
from connectors.simulator.lifecycle import ComponentRecord, FeeRecord, PaymentPlan
from connectors.simulator.people import citizen, enterprise
from connectors.simulator.profiles import Profile
from connectors.simulator.provinces import Province, Unit, UnitKind
from connectors.simulator.timeline import Draws, Plan, plan_lifecycle

__all__ = ["AttemptDraft", "Chances", "Draft", "draft_dossier"]

_MINUTE = 60


@dataclass(frozen=True, slots=True)
class AttemptDraft:
    """A payment attempt planned at ``at``: outcome, and for ``pending`` when and how it resolves."""

    at: dt.datetime
    outcome: str
    resolves_to: str | None
    settled_at: dt.datetime


@dataclass(slots=True)
class Draft:
    """A dossier before its code is known and before the horizon cuts it."""

    ordinal: int
    unit: Unit
    procedure: Procedure
    channel: int
    arrival: dt.datetime
    applicant: dict[str, Any]
    vneid: bool
    components: tuple[ComponentRecord, ...]
    fees: tuple[FeeRecord, ...]
    payment_plan: PaymentPlan
    electronic_result: bool
    plan: Plan
    attempts: tuple[AttemptDraft, ...] = ()
    paid_at: dt.datetime | None = None
    sent_code: str = field(default="")

    @property
    def online(self) -> bool:
        return self.channel == 2


@dataclass(frozen=True, slots=True)
class Chances:
    """A profile's shares for one unit kind, as floats (drawn against ``random()`` thousands of times)."""

    fee: float
    exempt: float
    postal: float
    enterprise: float
    online_payment: float
    gateway: float
    financial_obligation: float
    e_result: float
    reuse: float
    digitised_without_reuse: float
    """Chosen so that reuse + (1 - reuse) * this = the digitisation share."""
    lifecycle: Draws

    @classmethod
    def of(cls, profile: Profile, kind: UnitKind) -> Chances:
        reuse, digitisation = profile.reuse_share, profile.digitisation_share
        return cls(
            fee=float(profile.fee_share),
            exempt=float(profile.exempt_share),
            postal=float(profile.postal_share),
            enterprise=float(profile.enterprise_share),
            online_payment=float(profile.online_payment_share),
            gateway=float(profile.gateway_share),
            financial_obligation=float(profile.financial_obligation_share),
            e_result=float(profile.e_result_share),
            reuse=float(reuse),
            digitised_without_reuse=float((digitisation - reuse) / (1 - reuse)) if reuse < 1 else 0.0,
            lifecycle=Draws(
                rejection=float(profile.rejection_share),
                withdrawal=float(profile.withdrawal_share),
                stop=float(profile.stop_share),
                supplement=float(profile.supplement_share),
                second_round=float(profile.second_round_share),
                on_time=float(profile.kind(kind).on_time_share),
                delivered=float(profile.delivered_share),
                skip_processed=float(profile.skip_processed_share),
            ),
        )


def _components(rng: random.Random, chances: Chances, procedure: Procedure) -> tuple[ComponentRecord, ...]:
    count = len(procedure.components)
    reused: set[int] = set()
    digitised: set[int] = set()
    if rng.random() < chances.reuse:
        reused = set(rng.sample(range(count), rng.randint(1, min(2, count))))
        digitised = reused | {i for i in range(count) if rng.random() < 0.5}
    elif rng.random() < chances.digitised_without_reuse:
        digitised = set(rng.sample(range(count), rng.randint(1, count)))
    return tuple(
        ComponentRecord(
            code=f"TP{index + 1:02d}",
            name=name,
            digitised=index in digitised,
            reused=index in reused,
            national_store=index in reused and rng.random() < 0.6,
        )
        for index, name in enumerate(procedure.components)
    )


def _fees(rng: random.Random, procedure: Procedure, *, exempt: bool, method: str) -> tuple[FeeRecord, ...]:
    pages = rng.randint(1, 12)
    return tuple(
        FeeRecord(item.code, item.name, item.kind, method, 0 if exempt else item.total(pages))
        for item in procedure.fees
    )


def _payment_plan(rng: random.Random, chances: Chances, has_fee: bool) -> PaymentPlan:
    if not has_fee:
        return PaymentPlan.NONE
    if rng.random() < chances.online_payment:
        return PaymentPlan.GATEWAY if rng.random() < chances.gateway else PaymentPlan.PORTAL
    return PaymentPlan.CASH


def _attempts(rng: random.Random, plan: PaymentPlan, anchor: dt.datetime) -> tuple[AttemptDraft, ...]:
    def attempt(at: dt.datetime, succeed: bool) -> AttemptDraft:
        outcome = "success" if succeed else "fail"
        if rng.random() < 0.1:
            settled = at + dt.timedelta(seconds=rng.randint(10 * _MINUTE, 60 * _MINUTE))
            return AttemptDraft(at, "pending", outcome, settled)
        return AttemptDraft(at, outcome, None, at + dt.timedelta(seconds=rng.randint(5, 120)))

    if plan is PaymentPlan.PORTAL:
        if rng.random() < 0.05:
            failed = attempt(anchor, succeed=False)
            later = failed.settled_at + dt.timedelta(seconds=rng.randint(2 * _MINUTE, 10 * _MINUTE))
            return (failed, attempt(later, succeed=True))
        return (attempt(anchor, succeed=True),)
    if plan is PaymentPlan.CASH and rng.random() < 1 / 3:
        return (attempt(anchor, succeed=False),)
    return ()


def _payment_anchor(rng: random.Random, draft: Draft) -> dt.datetime | None:
    plan = draft.plan
    if plan.received_at is None:
        return None
    if plan.fee_window is not None:
        start, end = plan.fee_window
        return start + (end - start) * rng.random()
    base = draft.arrival if draft.online else plan.received_at
    return base + dt.timedelta(seconds=rng.randint(_MINUTE, 20 * _MINUTE))


def draft_dossier(
    rng: random.Random,
    chances: Chances,
    province: Province,
    unit: Unit,
    *,
    ordinal: int,
    arrival: dt.datetime,
    online: bool,
) -> Draft:
    """One dossier filed at ``unit`` at ``arrival``, drawn with ``chances`` (of the unit's kind)."""
    has_fee = rng.random() < chances.fee
    exempt = not has_fee and rng.random() < chances.exempt
    procedure = rng.choice(procedures_for(unit.kind, with_fee=has_fee or exempt))
    channel = 2 if online else (3 if rng.random() < chances.postal else 1)
    is_enterprise = procedure.enterprise and rng.random() < chances.enterprise
    applicant = enterprise(rng, province) if is_enterprise else citizen(rng, province)
    payment_plan = _payment_plan(rng, chances, has_fee)
    method = "online" if payment_plan in (PaymentPlan.PORTAL, PaymentPlan.GATEWAY) else "cash"
    fee_request = has_fee and rng.random() < chances.financial_obligation
    draft = Draft(
        ordinal=ordinal,
        unit=unit,
        procedure=procedure,
        channel=channel,
        arrival=arrival,
        applicant=applicant,
        vneid=rng.random() < (0.8 if online else 0.3),
        components=_components(rng, chances, procedure),
        fees=_fees(rng, procedure, exempt=exempt, method=method),
        payment_plan=payment_plan,
        electronic_result=rng.random() < chances.e_result,
        plan=plan_lifecycle(
            rng,
            chances.lifecycle,
            arrival=arrival,
            online=online,
            deadline_days=procedure.deadline_days,
            fee_request=fee_request,
        ),
        sent_code=unit.code,
    )
    anchor = _payment_anchor(rng, draft)
    if anchor is not None and payment_plan is not PaymentPlan.NONE:
        draft.attempts = _attempts(rng, payment_plan, anchor)
        if payment_plan is PaymentPlan.GATEWAY:
            draft.paid_at = anchor
        for attempt in draft.attempts:
            if attempt.outcome == "success" or attempt.resolves_to == "success":
                draft.paid_at = attempt.settled_at
    return draft
