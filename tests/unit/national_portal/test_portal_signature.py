"""The payment platform's MaXacThuc: field order, rendering, secret appended, verification."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from connectors.national_portal.signature import CALLBACK_FIELDS, canonical_string, sign, verify

SECRET = "bi-mat-doi-tac"  # noqa: S105 - a test partner secret


def _callback(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "MaDoiTac": "LIENTHONG",
        "MaThamChieu": "000.00.20.H14-250612-0007-20250612101500",
        "MaGiaoDich": "GD20250612101502000001",
        "MaHoSo": "000.00.20.H14-250612-0007",
        "SoTien": 56000,
        "MaNganHang": "VCB",
        "ThoiGianGD": "20250612101502",
        "MaLoi": "00",
        "MoTaLoi": "Thành công",
    }
    message.update(overrides)
    return message


def test_field_order_is_fixed() -> None:
    """The signed fields, in order, are the documented eight."""
    assert CALLBACK_FIELDS == (
        "MaDoiTac",
        "MaThamChieu",
        "MaGiaoDich",
        "MaHoSo",
        "SoTien",
        "MaNganHang",
        "ThoiGianGD",
        "MaLoi",
    )


def test_sign_is_sha256_of_pipe_joined_values_and_secret() -> None:
    """MaXacThuc = sha256 hex of the values joined by '|' with the secret as the last element."""
    expected_text = (
        "LIENTHONG|000.00.20.H14-250612-0007-20250612101500|GD20250612101502000001|"
        "000.00.20.H14-250612-0007|56000|VCB|20250612101502|00|bi-mat-doi-tac"
    )
    assert sign(_callback(), SECRET) == hashlib.sha256(expected_text.encode()).hexdigest()
    assert canonical_string(_callback()) == expected_text.removesuffix("|bi-mat-doi-tac")


def test_unsigned_fields_and_key_order_do_not_matter() -> None:
    """MoTaLoi and extra keys are not signed; dict order is irrelevant."""
    message = _callback()
    reordered = dict(reversed(list(message.items())))
    assert sign(message, SECRET) == sign(reordered, SECRET) == sign(_callback(MoTaLoi="khác", X=1), SECRET)


def test_integers_and_their_decimal_text_sign_alike_none_as_empty() -> None:
    """SoTien 56000 and "56000" sign the same; a null value is the empty string."""
    assert sign(_callback(SoTien=56000), SECRET) == sign(_callback(SoTien="56000"), SECRET)
    assert canonical_string(_callback(MaNganHang=None)).split("|")[5] == ""


def test_non_integer_amounts_are_refused() -> None:
    """Floats and booleans have no single text form, so they cannot be signed."""
    with pytest.raises(TypeError):
        sign(_callback(SoTien=56000.0), SECRET)
    with pytest.raises(TypeError):
        sign(_callback(MaLoi=True), SECRET)


def test_verify_accepts_the_right_code_only() -> None:
    """verify is true for the platform's code and false for tampering, another secret, or missing fields."""
    message = _callback()
    message["MaXacThuc"] = sign(message, SECRET)
    assert verify(message, SECRET)
    assert verify({**message, "MaXacThuc": message["MaXacThuc"].upper()}, SECRET)
    assert not verify({**message, "SoTien": 56001}, SECRET)
    assert not verify(message, "other-secret")
    assert not verify({key: value for key, value in message.items() if key != "MaNganHang"}, SECRET)
    assert not verify(_callback(), SECRET)
