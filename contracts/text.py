"""Vietnamese text: NFC-normalised Unicode without control characters.

Vietnamese can be written with precomposed letters (NFC, ``ộ`` as one code point) or decomposed ones (NFD,
``o`` + circumflex + dot below); systems on the way mix both, and the two spellings compare unequal. Every
text field of the contracts is normalised to NFC on the way in, so equal names are equal strings.

Rejected: empty or blank text, C0/C1 control characters (tabs and newlines included), lone surrogates (not
encodable as UTF-8), and line/paragraph separators. Messages name the position and code point, never the text.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

from contracts.codes._problem import invalid

__all__ = ["TEXT_MAX_LENGTH", "VietnameseText", "normalise_text"]

TEXT_MAX_LENGTH = 2000
_FORBIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cs": "a lone surrogate",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def normalise_text(value: str) -> str:
    """Return ``value`` in NFC; raise a ``ValueError`` if it is blank or holds a forbidden character."""
    for position, char in enumerate(value, start=1):
        kind = _FORBIDDEN_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            raise invalid("text", f"text must not contain {kind}; character {position} is U+{ord(char):04X}")
    if not value.strip():
        raise invalid("text", "text must not be empty or only whitespace")
    return unicodedata.normalize("NFC", value)


VietnameseText = Annotated[str, Field(max_length=TEXT_MAX_LENGTH), AfterValidator(normalise_text)]
"""Text in NFC, 1-2000 characters, without control characters."""
