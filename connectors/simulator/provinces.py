"""The four simulated provinces and their receiving units: communes/wards and provincial departments.

Units come from the identity connector's shipped registries (``connectors/identity/registries``): every
level-2 code issued under the provincial People's Committee is a receiving agency — a commune or ward when
the body is the People's Committee of a xã, phường or đặc khu, a provincial department otherwise. Names follow
the registry's amendments. A unit's *predecessors* are the codes closed with it as successor (directly or
through another closed code): Cao Bằng's former district People's Committees, the former provinces' state
bodies of Đắk Lắk, Đồng Nai and Lâm Đồng. Events addressed to them must reach the unit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from connectors.identity import read_registry, registry_files

__all__ = ["PROVINCE_KEYS", "Province", "Unit", "UnitKind", "province"]


class UnitKind(StrEnum):
    """Which kind of receiving agency a unit is."""

    COMMUNE = "commune"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class Unit:
    """A receiving agency: its identity code, name, kind, and the closed codes it succeeds."""

    code: str
    name: str
    kind: UnitKind
    predecessors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Province:
    """A province after the 2025 merger: level-1 code, birth-registration codes of its people, its units."""

    key: str
    name: str
    level_1: str
    personal_id_codes: tuple[str, ...]
    """CCCD province codes of people living here: the province's own first, then the merged provinces'."""
    units: tuple[Unit, ...]

    @property
    def code(self) -> str:
        """The provincial People's Committee: ``000.00.00.H14``."""
        return f"000.00.00.{self.level_1}"

    def unit(self, code: str) -> Unit:
        """The unit with ``code``; KeyError if none."""
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    def successor(self, code: str) -> Unit:
        """The unit an open or closed code leads to; KeyError if the code is not the province's."""
        for unit in self.units:
            if unit.code == code or code in unit.predecessors:
                return unit
        raise KeyError(code)


_COMMUNE_BODIES = tuple(f"Ủy ban nhân dân {kind} " for kind in ("xã", "phường", "đặc khu"))


@dataclass(frozen=True, slots=True)
class _Facts:
    name: str
    level_1: str
    personal_id_codes: tuple[str, ...]


_FACTS: Mapping[str, _Facts] = MappingProxyType(
    {
        "cao-bang": _Facts("Cao Bằng", "H14", ("004",)),
        "dak-lak": _Facts("Đắk Lắk", "H15", ("066", "054")),
        "dong-nai": _Facts("Đồng Nai", "H19", ("075", "070")),
        "lam-dong": _Facts("Lâm Đồng", "H36", ("068", "067", "060")),
    }
)
PROVINCE_KEYS: tuple[str, ...] = tuple(_FACTS)
"""The simulated provinces: ``cao-bang``, ``dak-lak``, ``dong-nai``, ``lam-dong``."""


def _rows(key: str) -> list[Mapping[str, Any]]:
    return [row.fields for path in registry_files(key) for row in read_registry(path)[1]]


def _successor(code: str, closed: Mapping[str, str]) -> str:
    seen = [code]
    while seen[-1] in closed and closed[seen[-1]] not in seen:
        seen.append(closed[seen[-1]])
    return seen[-1]


def _units(key: str, province_code: str) -> tuple[Unit, ...]:
    names: dict[str, str] = {}
    closed: dict[str, str] = {}
    for fields in _rows(key):
        action, code = fields["action"], fields["code"]
        if action == "close":
            closed[code] = fields["successor"]
        elif fields.get("parent") == province_code and (action == "amend") == (code in names):
            names[code] = fields["name"]
    predecessors: dict[str, list[str]] = {code: [] for code in names}
    for code in closed:
        successor = _successor(code, closed)
        if successor in predecessors:
            predecessors[successor].append(code)
    return tuple(
        Unit(
            code,
            name,
            UnitKind.COMMUNE if name.startswith(_COMMUNE_BODIES) else UnitKind.DEPARTMENT,
            tuple(sorted(predecessors[code])),
        )
        for code, name in names.items()
    )


@functools.cache
def province(key: str) -> Province:
    """The province named ``key``, its units read from the shipped registries (once)."""
    try:
        facts = _FACTS[key]
    except KeyError:
        raise KeyError(f"unknown province {key!r}; known: {', '.join(_FACTS)}") from None
    code = f"000.00.00.{facts.level_1}"
    return Province(key, facts.name, facts.level_1, facts.personal_id_codes, _units(key, code))
