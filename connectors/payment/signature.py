"""Verifying the payment platform's ``MaXacThuc`` on confirmation callbacks (protocol 1.0.6 style).

The platform documents the code as the lowercase hex SHA-256 of the signed fields' values, in a fixed order,
joined by ``|``, with the partner's secret appended as the last ``|``-separated element::

    sha256("MaDoiTac|MaThamChieu|MaGiaoDich|MaHoSo|SoTien|MaNganHang|ThoiGianGD|MaLoi|<secret>")

Values are written as text: strings as they are (UTF-8), integers in decimal (``SoTien`` is whole VND), a
``null`` as the empty string. A signed field missing from the message, or holding anything but a string, an
integer or ``null``, fails verification: a truncated or reshaped message never verifies. Other keys
(``MoTaLoi``) are not signed. The comparison takes constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Final

from connectors.errors import CallbackRejectedError

__all__ = ["SIGNATURE_FIELD", "SIGNED_FIELDS", "check_signature", "signature_of"]

SIGNED_FIELDS: Final[tuple[str, ...]] = (
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


def _as_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackRejectedError(f"signed field {name} is not a string or an integer", reason="signature")
    return str(value)


def signature_of(fields: Mapping[str, object], secret: str) -> str:
    """The ``MaXacThuc`` the platform computes for ``fields`` with ``secret``."""
    missing = [name for name in SIGNED_FIELDS if name not in fields]
    if missing:
        raise CallbackRejectedError(f"signed fields missing: {', '.join(missing)}", reason="signature")
    joined = "|".join(_as_text(name, fields[name]) for name in SIGNED_FIELDS)
    return hashlib.sha256(f"{joined}|{secret}".encode()).hexdigest()


def check_signature(fields: Mapping[str, object], secret: str) -> None:
    """Return if ``fields[MaXacThuc]`` is the right code; raise :class:`CallbackRejectedError` otherwise."""
    claimed = fields.get(SIGNATURE_FIELD)
    if not isinstance(claimed, str) or not claimed:
        raise CallbackRejectedError(f"{SIGNATURE_FIELD} missing", reason="signature")
    expected = signature_of(fields, secret)
    if not hmac.compare_digest(expected.encode(), claimed.strip().lower().encode()):
        raise CallbackRejectedError(f"{SIGNATURE_FIELD} does not verify", reason="signature")
