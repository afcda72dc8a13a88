"""The payment platform's message integrity code, ``MaXacThuc``: the one definition of it.

``MaXacThuc`` is the lowercase hex SHA-256 of the signed fields' values, in a fixed order, joined by ``|``,
with the partner's secret appended as the last ``|``-separated element::

    sha256("MaDoiTac|MaThamChieu|MaGiaoDich|MaHoSo|SoTien|MaNganHang|ThoiGianGD|MaLoi|<secret>")

Values are written as text: strings as they are (UTF-8), integers in decimal (``SoTien`` is integer VND, never
``150000.0``), an absent optional value (``null``) as the empty string. A field missing from the message is an
error, not an empty value, so a truncated message cannot carry a valid code. Keys not in the order
(``MoTaLoi``, ``MaXacThuc`` itself, ...) are not signed.

The confirmation callback is the only signed message of this mock; ``CALLBACK_FIELDS`` is its order. The
payment connector verifies callbacks with :func:`verify` (or its own implementation of the same definition).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Final

__all__ = ["CALLBACK_FIELDS", "SIGNATURE_FIELD", "canonical_string", "sign", "verify"]

CALLBACK_FIELDS: Final[tuple[str, ...]] = (
    "MaDoiTac",
    "MaThamChieu",
    "MaGiaoDich",
    "MaHoSo",
    "SoTien",
    "MaNganHang",
    "ThoiGianGD",
    "MaLoi",
)
SIGNATURE_FIELD: Final = "MaXacThuc"


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"field {name} must be a string or an integer, not {type(value).__name__}")
    return str(value)


def canonical_string(fields: Mapping[str, object], order: Sequence[str] = CALLBACK_FIELDS) -> str:
    """The ``|``-joined values in ``order``, without the secret (what is hashed, minus the secret)."""
    missing = [name for name in order if name not in fields]
    if missing:
        raise KeyError(f"signed fields missing: {', '.join(missing)}")
    return "|".join(_text(name, fields[name]) for name in order)


def sign(fields: Mapping[str, object], secret: str, order: Sequence[str] = CALLBACK_FIELDS) -> str:
    """``MaXacThuc`` for ``fields``: SHA-256 hex of the canonical string, ``|``, and the secret."""
    payload = f"{canonical_string(fields, order)}|{secret}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def verify(fields: Mapping[str, object], secret: str, order: Sequence[str] = CALLBACK_FIELDS) -> bool:
    """Whether ``fields[MaXacThuc]`` is the right code; a missing or malformed field is a failed check."""
    claimed = fields.get(SIGNATURE_FIELD)
    if not isinstance(claimed, str):
        return False
    try:
        expected = sign(fields, secret, order)
    except (KeyError, TypeError):
        return False
    return hmac.compare_digest(expected, claimed.lower())
