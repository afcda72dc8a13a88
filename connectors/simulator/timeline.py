"""Planning one dossier's lifecycle in time: reception, processing milestones, supplements, the end.

Processing is planned on a *net* clock that stops while the applicant is asked for a supplement: the end of
processing minus the supplement waiting time is ``received + net``. An on-time dossier gets ``net`` within
the time to its due date, a late one beyond it — so the on-time share the profile asks for is exactly what
the indicator formula finds (a second supplement round makes a dossier overdue whatever its timing).
Milestones (start of processing, supplement requests, the fee request and its settlement) sit at distinct
whole seconds of the net clock, so statuses are strictly ordered in time.

The plan is complete; the generator cuts it at the horizon.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from connectors.simulator.lifecycle import Round, Step
from connectors.simulator.workdays import (
    OFFICE_CLOSE,
    add_working_days,
    at_local,
    local_date,
    next_office_moment,
)

__all__ = ["Draws", "Outcome", "Plan", "plan_lifecycle"]

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_LAST_RECEPTION = dt.time(16, 45)


class Outcome:
    """How a dossier ends (unless the horizon comes first)."""

    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    COMPLETED = "completed"


@dataclass(slots=True)
class Plan:
    """A whole lifecycle, before the horizon cuts it."""

    steps: list[Step] = field(default_factory=list)
    received_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    rounds: list[Round] = field(default_factory=list)
    fee_window: tuple[dt.datetime, dt.datetime] | None = None
    """Between the fee request (status 6) and processing resuming: when the fee is paid."""


@dataclass(frozen=True, slots=True)
class Draws:
    """The profile's shares one lifecycle draws from (as floats: they are compared with ``random()``)."""

    rejection: float
    withdrawal: float
    stop: float
    supplement: float
    second_round: float
    on_time: float
    delivered: float
    skip_processed: float


def _seconds(delta: float) -> dt.timedelta:
    return dt.timedelta(seconds=int(delta))


def _reception(rng: random.Random, submitted: dt.datetime) -> dt.datetime:
    """When the province receives an online submission: during office hours, not before it was filed."""
    moment = next_office_moment(submitted + _seconds(rng.randint(5 * _MINUTE, 4 * _HOUR)))
    latest = at_local(local_date(moment), _LAST_RECEPTION)
    return min(moment + _seconds(rng.randint(0, 90 * _MINUTE)), max(latest, moment))


def _outcome(rng: random.Random, draws: Draws) -> str:
    roll = rng.random()
    for name, share in (
        (Outcome.REJECTED, draws.rejection),
        (Outcome.WITHDRAWN, draws.withdrawal),
        (Outcome.STOPPED, draws.stop),
    ):
        if roll < share:
            return name
        roll -= share
    return Outcome.COMPLETED


def plan_lifecycle(
    rng: random.Random,
    draws: Draws,
    *,
    arrival: dt.datetime,
    online: bool,
    deadline_days: int,
    fee_request: bool,
) -> Plan:
    """The lifecycle of a dossier filed at ``arrival`` (online on the portal, or at the desk)."""
    plan = Plan()
    reception = arrival
    if online:
        plan.steps.append(Step(1, arrival))
        reception = _reception(rng, arrival)
    outcome = _outcome(rng, draws)
    if outcome == Outcome.REJECTED:
        plan.steps.append(Step(3, reception))
        plan.end_at = reception
        return plan
    if outcome == Outcome.WITHDRAWN and online and rng.random() < 0.3:
        withdrawn = arrival + _seconds(rng.randint(1, max(1, int((reception - arrival).total_seconds()))))
        plan.steps.append(Step(7, withdrawn))
        plan.end_at = withdrawn
        return plan
    plan.received_at = reception
    plan.due_at = at_local(add_working_days(local_date(reception), deadline_days), OFFICE_CLOSE)
    plan.steps.append(Step(2, reception))
    _process(rng, draws, plan, outcome, fee_request)
    return plan


def _net_time(rng: random.Random, draws: Draws, budget: int, outcome: str) -> int:
    """Seconds of processing, waiting for supplements excluded: within ``budget`` when on time."""
    on_time = rng.random() < draws.on_time
    if outcome != Outcome.COMPLETED:
        return rng.randint(max(1, budget // 5), max(1, budget))
    if on_time:
        return rng.randint(max(1, budget * 15 // 100), budget)
    return budget + rng.randint(_HOUR, 5 * _DAY)


def _ending_status(outcome: str) -> int:
    return 7 if outcome == Outcome.WITHDRAWN else 8


def _process(rng: random.Random, draws: Draws, plan: Plan, outcome: str, fee_request: bool) -> None:
    received, due = plan.received_at, plan.due_at
    assert received is not None
    assert due is not None
    rounds = 0
    if rng.random() < draws.supplement:
        rounds = 2 if rng.random() < draws.second_round else 1
    net = _net_time(rng, draws, int((due - received).total_seconds()), outcome)
    milestones = ["supplement"] * rounds + ["fee"] * fee_request
    rng.shuffle(milestones)
    open_last = outcome != Outcome.COMPLETED and rounds > 0 and rng.random() < 0.4
    if open_last:  # the applicant never returns the last supplement; the dossier ends while waiting
        milestones.remove("supplement")
        milestones.append("supplement")
    start = min(rng.randint(_MINUTE, 2 * _HOUR), max(1, net // 10))
    needed = len(milestones) + milestones.count("fee")
    net = max(net, start + needed + 1)
    offsets = sorted(rng.sample(range(start + 1, net), needed))
    waited = 0

    def real(offset: int) -> dt.datetime:
        return received + _seconds(offset + waited)

    plan.steps.append(Step(4, real(start)))
    for index, milestone in enumerate(milestones):
        if milestone == "fee":
            requested, resumed = real(offsets.pop(0)), real(offsets.pop(0))
            plan.steps += [Step(6, requested), Step(4, resumed)]
            plan.fee_window = (requested, resumed)
            continue
        requested = real(offsets.pop(0))
        plan.steps.append(Step(5, requested))
        if open_last and index == len(milestones) - 1:
            plan.rounds.append(Round(requested, None))
            plan.end_at = requested + _seconds(rng.randint(_DAY, 8 * _DAY))
            plan.steps.append(Step(_ending_status(outcome), plan.end_at))
            return
        wait = rng.randint(4 * _HOUR, 6 * _DAY)
        waited += wait
        plan.rounds.append(Round(requested, requested + _seconds(wait)))
        plan.steps.append(Step(4, requested + _seconds(wait)))
    _finish(rng, draws, plan, outcome, real(net))


def _finish(rng: random.Random, draws: Draws, plan: Plan, outcome: str, end: dt.datetime) -> None:
    plan.end_at = end
    if outcome != Outcome.COMPLETED:
        plan.steps.append(Step(_ending_status(outcome), end))
        return
    delivered = rng.random() < draws.delivered
    if delivered and rng.random() < draws.skip_processed:
        plan.steps.append(Step(10, end))
        plan.delivered_at = end
        return
    plan.steps.append(Step(9, end))
    plan.processed_at = end
    if delivered:
        plan.delivered_at = end + _seconds(rng.randint(10 * _MINUTE, 3 * _DAY))
        plan.steps.append(Step(10, plan.delivered_at))
