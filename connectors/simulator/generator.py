"""The generator: a province's dossiers over a window of days, deterministic in (profile, start, days, seed,
scale, mess rates).

Volumes: each unit gets a share of its kind's daily volume (unit sizes are a fixed property of the province,
drawn once from its name); per calendar day, in-person dossiers arrive on working days only and online
submissions every day (days off weigh ``weekend_online_weight``), calibrated so that over the window the
expected online share is exactly the profile's. Each (unit, day) draws from its own random stream
(:func:`~connectors.simulator.streams.stream`), and each messy part from its own, so changing one rate leaves
the rest of the traffic as it was.

Dossier codes: an online submission gets the portal's code ``<agency>-YYMMDD-NNNN`` with the portal's daily
sequence from 0001 (per agency code and Vietnamese day of submission, in order of submission); a dossier
filed at the desk gets the province's own sequence from 5001 upwards, so the two never collide.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from connectors.simulator.drafts import Chances, Draft, draft_dossier
from connectors.simulator.lifecycle import Dossier, PaymentAttempt, ResultRecord, Round
from connectors.simulator.profiles import MessRates, Profile
from connectors.simulator.provinces import UnitKind
from connectors.simulator.streams import stream
from connectors.simulator.workdays import VIETNAM_TIME, at_local, is_working_day, local_date, midnight

__all__ = ["ONLINE_FIRST_SEQUENCE", "PROVINCE_FIRST_SEQUENCE", "Window", "generate_dossiers", "unit_rates"]

ONLINE_FIRST_SEQUENCE = 1
PROVINCE_FIRST_SEQUENCE = 5001
_OFFICE_MINUTES = ((7 * 60 + 30, 11 * 60 + 30), (13 * 60 + 30, 16 * 60 + 45))
_ONLINE_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 8, 8, 8, 5, 5, 8, 8, 8, 7, 6, 6, 6, 5, 3, 2)


@dataclass(frozen=True, slots=True)
class Window:
    """The simulated days ``[start, start + days)`` and the horizon, the first instant after them."""

    start: dt.date
    days: int

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]

    @property
    def horizon(self) -> dt.datetime:
        return midnight(self.start + dt.timedelta(days=self.days))


def unit_rates(profile: Profile, scale: Fraction) -> dict[str, Fraction]:
    """Dossiers per calendar day of each unit, by code."""
    rng = stream("unit-sizes", profile.key)
    weights = {
        unit.code: Fraction(round(rng.lognormvariate(0, 0.6) * 1000), 1000) for unit in profile.province.units
    }
    rates: dict[str, Fraction] = {}
    for kind in UnitKind:
        units = [unit for unit in profile.province.units if unit.kind is kind]
        total = sum((weights[unit.code] for unit in units), Fraction(0))
        for unit in units:
            rates[unit.code] = profile.kind(kind).daily_dossiers * scale * weights[unit.code] / total
    return rates


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 500:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _desk_time(rng: random.Random, day: dt.date) -> dt.datetime:
    start, end = _OFFICE_MINUTES[0] if rng.random() < 0.55 else _OFFICE_MINUTES[1]
    minute = rng.randrange(start, end)
    return at_local(day, dt.time(minute // 60, minute % 60, rng.randrange(60)))


def _online_time(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = rng.choices(range(24), _ONLINE_HOUR_WEIGHTS)[0]
    return at_local(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))


def _drafts(profile: Profile, window: Window, seed: int, scale: Fraction) -> list[Draft]:
    dates = window.dates
    working = [day for day in dates if is_working_day(day)]
    weight = {day: Fraction(1) if is_working_day(day) else profile.weekend_online_weight for day in dates}
    total_weight = sum(weight.values(), Fraction(0))
    rates = unit_rates(profile, scale)
    chances = {kind: Chances.of(profile, kind) for kind in UnitKind}
    drafts: list[Draft] = []
    for unit in profile.province.units:
        kind = profile.kind(unit.kind)
        window_total = rates[unit.code] * len(dates)
        for day in dates:
            rng = stream(seed, unit.code, day.isoformat())
            desk = window_total * (1 - kind.online_share) / len(working) if day in working else Fraction(0)
            online = window_total * kind.online_share * weight[day] / total_weight
            arrivals = [(_desk_time(rng, day), False) for _ in range(_poisson(rng, float(desk)))]
            arrivals += [(_online_time(rng, day), True) for _ in range(_poisson(rng, float(online)))]
            for arrival, is_online in arrivals:
                drafts.append(
                    draft_dossier(
                        rng,
                        chances[unit.kind],
                        profile.province,
                        unit,
                        ordinal=len(drafts),
                        arrival=arrival,
                        online=is_online,
                    )
                )
    return drafts


def _address_closed_codes(drafts: list[Draft], rate: Fraction, seed: int) -> None:
    rng = stream(seed, "closed-codes")
    chance = float(rate)
    for draft in drafts:
        if draft.unit.predecessors and rng.random() < chance:
            draft.sent_code = rng.choice(draft.unit.predecessors)


def _codes(drafts: list[Draft]) -> dict[int, str]:
    """Dossier code of each draft by ordinal: the portal's sequence online, the province's from 5001."""
    groups: dict[tuple[str, dt.date, bool], list[Draft]] = defaultdict(list)
    for draft in drafts:
        groups[(draft.sent_code, local_date(draft.arrival), draft.online)].append(draft)
    codes: dict[int, str] = {}
    for (agency, day, online), members in groups.items():
        first = ONLINE_FIRST_SEQUENCE if online else PROVINCE_FIRST_SEQUENCE
        for sequence, draft in enumerate(sorted(members, key=lambda d: (d.arrival, d.ordinal)), start=first):
            codes[draft.ordinal] = f"{agency}-{day:%y%m%d}-{sequence:04d}"
    return codes


def _before(moment: dt.datetime | None, horizon: dt.datetime) -> dt.datetime | None:
    return moment if moment is not None and moment < horizon else None


def _dossier(draft: Draft, code: str, horizon: dt.datetime) -> Dossier:
    plan = draft.plan
    steps = tuple(step for step in plan.steps if step.at < horizon)
    processed_at, delivered_at = _before(plan.processed_at, horizon), _before(plan.delivered_at, horizon)
    end = processed_at or delivered_at
    results: tuple[ResultRecord, ...] = ()
    if end is not None:
        results = (ResultRecord("KQ01", draft.procedure.result, draft.electronic_result, end),)
    attempts = tuple(
        PaymentAttempt(
            reference=f"{code}-{attempt.at.astimezone(VIETNAM_TIME):%Y%m%d%H%M%S}",
            dossier_code=code,
            agency_code=draft.sent_code,
            procedure_code=draft.procedure.code,
            at=attempt.at,
            amount=sum(fee.amount for fee in draft.fees),
            lines=draft.fees,
            outcome=attempt.outcome,
            resolves_to=attempt.resolves_to,
            settled_at=attempt.settled_at,
        )
        for attempt in draft.attempts
        if attempt.at < horizon
    )
    return Dossier(
        ordinal=draft.ordinal,
        code=code,
        unit=draft.unit,
        sent_agency_code=draft.sent_code,
        procedure=draft.procedure,
        channel=draft.channel,
        applicant=draft.applicant,
        vneid=draft.vneid,
        components=draft.components,
        fees=draft.fees,
        steps=steps,
        submitted_at=draft.arrival if draft.online else None,
        received_at=_before(plan.received_at, horizon),
        due_at=plan.due_at if _before(plan.received_at, horizon) else None,
        processed_at=processed_at,
        delivered_at=delivered_at,
        rounds=tuple(
            Round(r.requested_at, _before(r.returned_at, horizon))
            for r in plan.rounds
            if r.requested_at < horizon
        ),
        results=results,
        payment_plan=draft.payment_plan,
        paid_at=_before(draft.paid_at, horizon),
        payments=attempts,
    )


def generate_dossiers(
    profile: Profile, window: Window, *, seed: int, scale: Fraction, mess: MessRates
) -> list[Dossier]:
    """Every dossier filed in ``window``, as known at its horizon, in the order they were drafted."""
    drafts = _drafts(profile, window, seed, scale)
    _address_closed_codes(drafts, mess.closed_codes, seed)
    codes = _codes(drafts)
    return [_dossier(draft, codes[draft.ordinal], window.horizon) for draft in drafts]
