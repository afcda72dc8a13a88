"""Enterprise codes (mã số doanh nghiệp, identical to the tax code, mã số thuế).

Shape: 10 ASCII digits, optionally followed by ``-NNN`` for a branch (``0314409058-002``); the compact
13-digit form without the dash is not accepted, so one enterprise has one spelling on the wire.

* digits 1-2: the province where the enterprise was registered;
* digits 3-9: a sequence, never ``0000000``;
* digit 10: check digit = 10 - (Σ wᵢ·dᵢ mod 11) over the first nine digits with weights 31, 29, 23, 19, 17,
  13, 7, 5, 3. When Σ mod 11 is 0 that formula gives 10, which no single digit can hold: such first-nine-digit
  combinations are never issued, and codes built on them are rejected (the same outcome as python-stdnum's
  ``stdnum.vn.mst``). The formula never gives 11.
* branch ``-NNN``: 001 to 999.

Messages never repeat the value: a household business's tax code identifies a person.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid

__all__ = ["EnterpriseCode", "enterprise_check_digit"]

_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_SHAPE = re.compile(r"[0-9]{10}(?:-[0-9]{3})?")


def enterprise_check_digit(first_nine: str) -> int | None:
    """The check digit over an enterprise code's first nine digits; None when none exists (Σ mod 11 = 0)."""
    if len(first_nine) != 9 or not (first_nine.isascii() and first_nine.isdigit()):
        msg = "enterprise_check_digit() takes exactly nine ASCII digits"
        raise ValueError(msg)
    check = 10 - sum(w * int(d) for w, d in zip(_WEIGHTS, first_nine, strict=True)) % 11
    return None if check == 10 else check


def _problem(value: str) -> str | None:
    if not _SHAPE.fullmatch(value):
        return (
            "must be 10 digits, optionally followed by a branch suffix -NNN (e.g. 0100233488, 0314409058-002)"
        )
    if value[2:9] == "0000000":
        return "sequence (digits 3-9) must not be 0000000"
    if value[11:] == "000":
        return "branch suffix must be -001 to -999"
    check = enterprise_check_digit(value[:9])
    if check is None:
        return "no valid check digit exists for the first nine digits (10 - sum mod 11 gives 10)"
    if check != int(value[9]):
        return "check digit (digit 10) does not match the first nine digits (weights 31,29,23,19,17,13,7,5,3)"
    return None


def _validate(value: str) -> str:
    problem = _problem(value)
    if problem is not None:
        raise invalid("enterprise_code", f"enterprise code: {problem}")
    return value


EnterpriseCode = Annotated[
    str,
    AfterValidator(_validate),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{10}(?:-[0-9]{3})?$", "examples": ["0100233488"]}),
]
"""An enterprise (tax) code with a valid check digit, optionally with a branch suffix ``-NNN``."""
