"""Agency electronic identity codes (mã định danh điện tử, Decision 20/2020/QĐ-TTg, QCVN 102:2016/BTTTT).

Two forms are accepted:

* the legal form ``DDD.DD.DD.LNN`` (13 characters), read right to left: level 1 is an upper-case ASCII letter
  and two digits (``H14``), then level 2 (two digits), level 3 (two digits), level 4 (three digits). Zeros
  below a level mean the body itself: ``000.00.00.H14`` is the People's Committee of Cao Bằng,
  ``000.00.20.H56`` a level-2 unit of Thanh Hóa.
* the short form ``LNN.DD`` or ``LNN.DDD`` the national portal shows since 2025 (``H44.07`` a provincial
  department, ``H44.100`` a commune). Whether these are legal identity codes is not confirmed; they are
  accepted as a second form and counted as level 2 (a unit directly below the level-1 body). An all-zero unit
  part is rejected: the body itself is written in the legal form.

Any upper-case letter is accepted at level 1: ``G``, ``H`` and ``K`` are confirmed, the others are not known
to be excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid, shown

__all__ = [
    "AGENCY_CODE_PATTERN",
    "AgencyCode",
    "AgencyCodeParts",
    "agency_code_problem",
    "agency_level",
    "parse_agency_code",
]

_LEVEL_1 = re.compile(r"[A-Z][0-9]{2}")
_SHORT_UNIT = re.compile(r"[0-9]{2,3}")
_RULES: dict[int, tuple[tuple[re.Pattern[str], str], ...]] = {
    4: (
        (re.compile(r"[0-9]{3}"), "level-4 part must be three digits"),
        (re.compile(r"[0-9]{2}"), "level-3 part must be two digits"),
        (re.compile(r"[0-9]{2}"), "level-2 part must be two digits"),
        (_LEVEL_1, "level-1 part must be an upper-case letter and two digits (e.g. H14)"),
    ),
    2: (
        (_LEVEL_1, "level-1 part must be an upper-case letter and two digits (e.g. H44)"),
        (_SHORT_UNIT, "unit part of the short form must be two or three digits (e.g. H44.07, H44.100)"),
    ),
}
_EXPECTED = "expected DDD.DD.DD.LNN (13 characters, e.g. 000.00.00.H14) or the short form LNN.DD / LNN.DDD"


@dataclass(frozen=True, slots=True)
class AgencyCodeParts:
    """A parsed agency code. ``units`` holds the parts below level 1, right to left (level 2 first)."""

    code: str
    level_1: str
    units: tuple[str, ...]
    short_form: bool

    @property
    def level(self) -> int:
        """The level of the body the code names: 1 for ``000.00.00.H14``, 2 for ``000.00.20.H56``."""
        if self.short_form:
            return 2
        level = 1
        for depth, unit in enumerate(self.units, start=2):
            if set(unit) != {"0"}:
                level = depth
        return level


def agency_code_problem(value: str) -> str | None:
    """What is wrong with ``value`` as an agency code, or None when it is valid."""
    parts = value.split(".")
    rules = _RULES.get(len(parts))
    if rules is None:
        return _EXPECTED
    for part, (pattern, problem) in zip(parts, rules, strict=True):
        if not pattern.fullmatch(part):
            return problem
    if len(parts) == 2 and set(parts[1]) == {"0"}:
        return "unit part of the short form must not be all zeros (the body itself is 000.00.00.LNN)"
    return None


def parse_agency_code(value: str) -> AgencyCodeParts:
    """Parse an agency code in either accepted form; raise a ``ValueError`` naming what is wrong."""
    problem = agency_code_problem(value)
    if problem is not None:
        raise invalid("agency_code", f"agency code {shown(value)}: {problem}")
    parts = value.split(".")
    if len(parts) == 4:
        return AgencyCodeParts(value, parts[3], (parts[2], parts[1], parts[0]), short_form=False)
    return AgencyCodeParts(value, parts[0], (parts[1],), short_form=True)


def agency_level(code: str) -> int:
    """The level (1-4) of the body a valid agency code names."""
    return parse_agency_code(code).level


def _validate(value: str) -> str:
    parse_agency_code(value)
    return value


_LONG_PATTERN = r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}"
_SHORT_PATTERN = r"[A-Z][0-9]{2}\.(?:0[1-9]|[1-9][0-9]|00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})"
AGENCY_CODE_PATTERN = f"(?:{_LONG_PATTERN}|{_SHORT_PATTERN})"
"""The shape of either form, unanchored, for composing other codes' JSON Schema patterns (no look-arounds)."""

AgencyCode = Annotated[
    str,
    AfterValidator(_validate),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{AGENCY_CODE_PATTERN}$",
            "examples": ["000.00.00.H14", "000.00.20.H56", "H44.07"],
        }
    ),
]
"""An agency identity code in the legal ``DDD.DD.DD.LNN`` form or the short ``LNN.DD``/``LNN.DDD`` form."""
