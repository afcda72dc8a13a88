"""Amounts of money: whole Vietnamese đồng (VND), which has no minor unit.

Only a true integer is accepted — never a float (not even ``1.0``: a float on the wire means a system on the
way computed with binary fractions), a string or a boolean. The upper bound 2^53 - 1 is the largest integer
every JSON reader keeps exact.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from contracts.codes._problem import invalid

__all__ = ["MAX_VND", "PositiveVnd", "Vnd", "require_positive_vnd", "require_vnd"]

MAX_VND = 2**53 - 1


def require_vnd(value: Any) -> int:
    """Return ``value`` if it is a whole, non-negative number of VND within bounds; else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        kind = _kind(value)
        raise invalid("amount_type", f"amount must be an integer number of VND; got {kind}")
    if value < 0:
        raise invalid("amount_negative", "amount must not be negative")
    if value > MAX_VND:
        raise invalid("amount_too_large", f"amount must be at most {MAX_VND} VND (2^53 - 1)")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "a non-finite number"
        return "a float (write 1, not 1.0)" if value.is_integer() else "a number with a fractional part"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a value of type {type(value).__name__}"


def require_positive_vnd(value: Any) -> int:
    """Like :func:`require_vnd`, and zero is rejected too."""
    amount = require_vnd(value)
    if amount == 0:
        raise invalid("amount_zero", "amount must be positive")
    return amount


Vnd = Annotated[
    int,
    BeforeValidator(require_vnd),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_VND}),
]
"""A whole, non-negative amount of VND (strict integer)."""

PositiveVnd = Annotated[
    int,
    BeforeValidator(require_positive_vnd),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_VND}),
]
"""A whole, positive amount of VND (strict integer)."""
