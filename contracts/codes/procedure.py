"""Administrative procedure codes (mã thủ tục hành chính) from the national procedure catalogue.

Accepted: ``D.DDDDDD`` (``1.000010``, ``2.000815``), optionally followed by

* ``.<agency code>`` for a local variant of the procedure (``2.000815.000.00.00.H38``; either agency-code
  form);
* ``.01`` or ``.02`` for an online-service code (``2.000815.01``) — only these two suffixes are documented;

both may appear, the agency first (``2.000815.000.00.00.H38.01``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid, shown
from contracts.codes.agency import AGENCY_CODE_PATTERN, agency_code_problem

__all__ = [
    "ONLINE_SERVICE_SUFFIXES",
    "PROCEDURE_CODE_PATTERN",
    "ProcedureCode",
    "ProcedureCodeParts",
    "parse_procedure_code",
]

ONLINE_SERVICE_SUFFIXES = frozenset({"01", "02"})
PROCEDURE_CODE_PATTERN = rf"^[0-9]\.[0-9]{{6}}(?:\.{AGENCY_CODE_PATTERN})?(?:\.0[12])?$"

_AGENCY_PART_COUNTS = (2, 4)  # the short and the legal agency-code forms
_BASE = re.compile(r"[0-9]\.[0-9]{6}")
_EXPECTED_BASE = "must start with D.DDDDDD (a digit, a dot and six digits, e.g. 2.000815)"
_EXPECTED_SUFFIX = (
    "after D.DDDDDD expected a local-variant agency code (e.g. .000.00.00.H38), "
    "an online-service suffix .01/.02, or both"
)


@dataclass(frozen=True, slots=True)
class ProcedureCodeParts:
    """A parsed procedure code: catalogue code, local-variant agency and online-service suffix (if any)."""

    code: str
    catalogue_code: str
    agency_code: str | None
    online_service: str | None


def _parse(value: str) -> ProcedureCodeParts | str:
    base, rest = value[:8], value[8:]
    if not _BASE.fullmatch(base):
        return _EXPECTED_BASE
    if not rest:
        return ProcedureCodeParts(value, base, None, None)
    if not rest.startswith("."):
        return _EXPECTED_SUFFIX
    suffix = _parse_suffix(rest[1:].split("."))
    if isinstance(suffix, str):
        return suffix
    return ProcedureCodeParts(value, base, *suffix)


def _parse_suffix(parts: list[str]) -> tuple[str | None, str | None] | str:
    """The (agency code, online-service suffix) after ``D.DDDDDD.``, or what is wrong with them."""
    if len(parts) == 1:
        return (None, parts[0]) if parts[0] in ONLINE_SERVICE_SUFFIXES else _EXPECTED_SUFFIX
    readings: list[tuple[list[str], str | None]] = [(parts, None)]
    if parts[-1] in ONLINE_SERVICE_SUFFIXES:
        readings.append((parts[:-1], parts[-1]))
    problems = []
    for agency_parts, online_service in readings:
        if len(agency_parts) in _AGENCY_PART_COUNTS:
            agency = ".".join(agency_parts)
            problem = agency_code_problem(agency)
            if problem is None:
                return agency, online_service
            problems.append(problem)
    return f"local-variant agency code: {problems[0]}" if problems else _EXPECTED_SUFFIX


def parse_procedure_code(value: str) -> ProcedureCodeParts:
    """Parse a procedure code; raise a ``ValueError`` naming what is wrong."""
    parsed = _parse(value)
    if isinstance(parsed, str):
        raise invalid("procedure_code", f"procedure code {shown(value)}: {parsed}")
    return parsed


def _validate(value: str) -> str:
    parse_procedure_code(value)
    return value


ProcedureCode = Annotated[
    str,
    AfterValidator(_validate),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PROCEDURE_CODE_PATTERN,
            "examples": ["1.000010", "2.000815.000.00.00.H38", "2.000815.01"],
        }
    ),
]
"""A procedure code ``D.DDDDDD`` with an optional local-variant agency code and online-service suffix."""
