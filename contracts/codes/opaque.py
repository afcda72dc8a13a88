"""Codes whose shape the domain does not fix.

Component, fee and document codes, payment references, transaction and bank identifiers, event ids: Printable
ASCII without spaces, so they survive every system on the way.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid

__all__ = ["OPAQUE_CODE_MAX_LENGTH", "OpaqueCode"]

OPAQUE_CODE_MAX_LENGTH = 128
_SHAPE = re.compile(rf"[\x21-\x7e]{{1,{OPAQUE_CODE_MAX_LENGTH}}}")


def _validate(value: str) -> str:
    if _SHAPE.fullmatch(value):
        return value
    if not value:
        problem = "must not be empty"
    elif len(value) > OPAQUE_CODE_MAX_LENGTH:
        problem = f"must be at most {OPAQUE_CODE_MAX_LENGTH} characters; got {len(value)}"
    else:
        position, char = next((i, c) for i, c in enumerate(value, start=1) if not "\x21" <= c <= "\x7e")
        problem = f"must be printable ASCII without spaces; character {position} is U+{ord(char):04X}"
    raise invalid("opaque_code", f"code {problem}")


OpaqueCode = Annotated[
    str,
    AfterValidator(_validate),
    WithJsonSchema({"type": "string", "pattern": rf"^[\x21-\x7e]{{1,{OPAQUE_CODE_MAX_LENGTH}}}$"}),
]
"""A code of 1-128 printable ASCII characters without spaces."""
