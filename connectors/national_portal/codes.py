"""Code formats the portal checks and assigns: agency, procedure and dossier codes.

A dossier code is ``<receiving agency code>-YYMMDD-NNNN`` (Circular 01/2018/TT-VPCP, art. 19): the receiving
agency's identity code, the receiving day in Vietnamese local time, and a sequence that restarts at 1 every
day for every agency. The sequence is written with at least four digits; the 10,000th dossier of a day gets
five. A newer ministry format (``G09.20-20260609-0092637``: 8-digit date, 7-digit sequence) is accepted on
input.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

from connectors.national_portal.clock import VN_TZ

__all__ = [
    "AGENCY_CODE",
    "DOSSIER_CODE",
    "PROCEDURE_CODE",
    "format_dossier_code",
    "local_day",
]

AGENCY_CODE: Final = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{2,3}){0,2})$")
DOSSIER_CODE: Final = re.compile(
    r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{2,3}){0,2})"
    r"-(?P<day>\d{6}-\d{4,}|\d{8}-\d{7})$"
)
PROCEDURE_CODE: Final = re.compile(r"^\d\.\d{6}(\.[A-Z0-9]+)*$")


def local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in Vietnam, which is what the dossier code's date means."""
    return moment.astimezone(VN_TZ).date()


def format_dossier_code(agency_code: str, day: date, sequence: int) -> str:
    """``<agency>-YYMMDD-NNNN``; ``sequence`` counts from 1 within the agency's day."""
    if not AGENCY_CODE.match(agency_code):
        raise ValueError(f"not an agency identity code: {agency_code!r}")
    if sequence < 1:
        raise ValueError(f"sequence starts at 1, got {sequence}")
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"
