"""Text fit for outcomes, dead-letter headers and logs: nothing shaped like personal data or unprintable.

Error messages of the connector and the portal name fields, not values; this is the belt to those braces.
Runs of nine or more digits (ID card and citizen ID numbers, phone numbers, tax codes) are replaced; control
characters become spaces; the text is kept short.
"""

from __future__ import annotations

import re

from contracts.privacy import REDACTED

__all__ = ["MESSAGE_LIMIT", "safe_message"]

MESSAGE_LIMIT = 500

_DIGIT_RUN = re.compile(r"\d{9,}")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def safe_message(text: str) -> str:
    """``text`` without digit runs of 9+ and control characters, at most :data:`MESSAGE_LIMIT` characters."""
    cleaned = _DIGIT_RUN.sub(REDACTED, _UNPRINTABLE.sub(" ", text)).strip()
    if len(cleaned) > MESSAGE_LIMIT:
        cleaned = cleaned[: MESSAGE_LIMIT - 1] + "…"
    return cleaned or "no detail"
