"""A simulation run: (province, start, days, seed, scale, mess rates) → dossiers, traffic and indicators.

:func:`simulate` is pure and deterministic — no clock, no I/O, no set-order leaks — so the same arguments give
the same :class:`Simulation`, byte for byte once written (:mod:`connectors.simulator.truth`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from connectors.simulator.generator import Window, generate_dossiers
from connectors.simulator.indicators import IndicatorTable, compute_indicators
from connectors.simulator.lifecycle import Dossier
from connectors.simulator.profiles import MessRates, Profile, profile
from connectors.simulator.traffic import Traffic, plan_traffic

__all__ = ["Simulation", "simulate"]


@dataclass(frozen=True, slots=True)
class Simulation:
    """Everything a run produces."""

    profile: Profile
    window: Window
    seed: int
    scale: Fraction
    mess: MessRates
    dossiers: list[Dossier]
    traffic: Traffic
    indicators: IndicatorTable

    @property
    def horizon(self) -> dt.datetime:
        return self.window.horizon


def simulate(
    province: str | Profile,
    *,
    start: dt.date,
    days: int,
    seed: int,
    scale: Fraction | int | str = 1,
    mess: MessRates | None = None,
) -> Simulation:
    """Generate a province's dossiers for ``days`` days from ``start``, the traffic to send, and the truth.

    ``scale`` multiplies every unit's volume (pass a Fraction or a decimal string for an exact value);
    ``mess`` replaces the profile's messy-part rates.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    chosen = profile(province) if isinstance(province, str) else province
    ratio = Fraction(scale)
    if ratio <= 0:
        raise ValueError("scale must be positive")
    rates = mess if mess is not None else chosen.mess
    window = Window(start, days)
    dossiers = generate_dossiers(chosen, window, seed=seed, scale=ratio, mess=rates)
    traffic = plan_traffic(dossiers, chosen.province, seed=seed, rates=rates, horizon=window.horizon)
    return Simulation(
        profile=chosen,
        window=window,
        seed=seed,
        scale=ratio,
        mess=rates,
        dossiers=dossiers,
        traffic=traffic,
        indicators=compute_indicators(dossiers, as_of=window.horizon),
    )
