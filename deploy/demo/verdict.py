"""Judging the demo's end state against the simulator's ground truth: the portal dossier by dossier."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PortalComparison", "PortalDifference", "compare_portal"]


@dataclass(frozen=True, slots=True)
class PortalDifference:
    """A dossier whose status on the portal is not the province's true final status."""

    dossier_code: str
    true_status: int
    portal_status: int | None
    """None: the portal does not hold the dossier."""
    operator_reason: str | None = None
    """Why the hub left it to an operator (a ``needs_operator`` finding); None when nothing explains it."""


@dataclass(frozen=True, slots=True)
class PortalComparison:
    agreeing: int
    unexplained: tuple[PortalDifference, ...] = ()
    """Out of step with nothing to say why: the demo fails on any of these."""
    left_for_operator: tuple[PortalDifference, ...] = ()
    extra_on_portal: tuple[str, ...] = field(default=())
    """Dossiers the portal holds that the province never had (none expected)."""

    @property
    def ok(self) -> bool:
        return not self.unexplained and not self.extra_on_portal


def compare_portal(
    truth_dossiers: Iterable[Mapping[str, Any]],
    portal_dossiers: Iterable[Mapping[str, Any]],
    needs_operator: Mapping[str, str],
) -> PortalComparison:
    """Compare each true dossier's final status with the portal's ``TrangThaiHoSo``.

    ``needs_operator`` maps a dossier code to the reason the hub gave when it left the dossier to an operator;
    such a dossier may differ and is listed with that reason, any other difference is unexplained.
    """
    held = {str(d["MaHoSo"]): int(d["TrangThaiHoSo"]) for d in portal_dossiers}
    agreeing = 0
    unexplained: list[PortalDifference] = []
    left: list[PortalDifference] = []
    known: set[str] = set()
    for dossier in truth_dossiers:
        code = str(dossier["code"])
        known.add(code)
        true_status = int(dossier["final_status"])
        on_portal = held.get(code)
        if on_portal == true_status:
            agreeing += 1
            continue
        reason = needs_operator.get(code)
        difference = PortalDifference(code, true_status, on_portal, reason)
        (left if reason is not None else unexplained).append(difference)
    extra = tuple(sorted(code for code in held if code not in known))
    return PortalComparison(agreeing, tuple(unexplained), tuple(left), extra)
