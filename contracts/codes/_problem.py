"""How code validators report a problem: a pydantic custom error with a precise, self-contained message."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

__all__ = ["invalid", "shown"]

_QUOTABLE = re.compile(r"[\x21-\x7e]{0,40}")
_LONG_DIGIT_RUN = re.compile(r"[0-9]{9,}")


def shown(value: str) -> str:
    """Quote a code for a message — only if it looks like one.

    Values that are not short printable ASCII, or that hold nine or more digits in a row (the shape of
    personal IDs, phone numbers and tax codes — no agency, dossier or procedure code has such a run), are
    described by length only: a field mix-up upstream must not copy personal data into logs.
    """
    if _QUOTABLE.fullmatch(value) and not _LONG_DIGIT_RUN.search(value):
        return f"'{value}'"
    return f"({len(value)} characters, not shown)"


def invalid(kind: str, message: str) -> PydanticCustomError:
    """The error a validator raises: ``kind`` becomes the pydantic error type, ``message`` its text verbatim.

    No context is passed, so braces in ``message`` are not treated as placeholders.
    """
    return PydanticCustomError(kind, message)
