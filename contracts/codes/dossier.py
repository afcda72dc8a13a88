"""Dossier codes (mã hồ sơ, Circular 01/2018/TT-VPCP art. 19).

Accepted forms:

* ``<agency code>-YYMMDD-NNNN``: the receiving agency's code, the reception date (two-digit year, read as
  20YY) and a four-digit sequence that restarts each day per agency, e.g. ``000.00.20.H56-250612-0007``;
* ``<agency code>-YYYYMMDD-NNNNNNN``: the form a newer ministry system issues, e.g.
  ``G09.20-20260609-0092637``.

The agency part may be in either accepted agency-code form; the date must be a real calendar date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid, shown
from contracts.codes.agency import AGENCY_CODE_PATTERN, agency_code_problem

__all__ = ["DOSSIER_CODE_PATTERN", "DossierCode", "DossierCodeParts", "parse_dossier_code"]

_EXPECTED = (
    "expected <agency code>-YYMMDD-NNNN (e.g. 000.00.20.H56-250612-0007) or <agency code>-YYYYMMDD-NNNNNNN"
)

DOSSIER_CODE_PATTERN = f"^{AGENCY_CODE_PATTERN}-(?:[0-9]{{6}}-[0-9]{{4}}|[0-9]{{8}}-[0-9]{{7}})$"


@dataclass(frozen=True, slots=True)
class DossierCodeParts:
    """A parsed dossier code: receiving agency, reception date, daily sequence number."""

    code: str
    agency_code: str
    date: dt.date
    sequence: int


def _digits(part: str) -> bool:
    return part.isascii() and part.isdigit()


def _parse(value: str) -> DossierCodeParts | str:
    parts = value.split("-")
    if len(parts) != 3:
        return _EXPECTED
    agency, date_part, sequence = parts
    problem = agency_code_problem(agency)
    if problem is not None:
        return f"agency part: {problem}"
    if not _digits(date_part) or len(date_part) not in (6, 8):
        return "date part must be YYMMDD (6 digits) or YYYYMMDD (8 digits)"
    if len(date_part) == 6:
        year, month, day, date_form, sequence_digits = (
            2000 + int(date_part[:2]),
            date_part[2:4],
            date_part[4:],
            "YYMMDD",
            4,
        )
    else:
        year, month, day, date_form, sequence_digits = (
            int(date_part[:4]),
            date_part[4:6],
            date_part[6:],
            "YYYYMMDD",
            7,
        )
    try:
        date = dt.date(year, int(month), int(day))
    except ValueError:
        return f"date part '{date_part}' is not a real date ({date_form})"
    if not _digits(sequence) or len(sequence) != sequence_digits:
        return f"sequence part must be {sequence_digits} digits after a {date_form} date"
    return DossierCodeParts(value, agency, date, int(sequence))


def parse_dossier_code(value: str) -> DossierCodeParts:
    """Parse a dossier code; raise a ``ValueError`` naming what is wrong."""
    parsed = _parse(value)
    if isinstance(parsed, str):
        raise invalid("dossier_code", f"dossier code {shown(value)}: {parsed}")
    return parsed


def _validate(value: str) -> str:
    parse_dossier_code(value)
    return value


DossierCode = Annotated[
    str,
    AfterValidator(_validate),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DOSSIER_CODE_PATTERN,
            "examples": ["000.00.20.H56-250612-0007", "G09.20-20260609-0092637"],
        }
    ),
]
"""A dossier code: ``<agency code>-YYMMDD-NNNN`` or ``<agency code>-YYYYMMDD-NNNNNNN``."""
