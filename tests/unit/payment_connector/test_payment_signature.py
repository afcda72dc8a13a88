"""MaXacThuc verification: the platform's documented definition, checked against the mock's signer."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from connectors.errors import CallbackRejectedError
from connectors.national_portal.signature import sign as platform_sign
from connectors.payment.signature import SIGNED_FIELDS, check_signature, signature_of
from tests.unit.payment_connector.doubles import FORGER_SECRET, SECRET, callback


def test_a_correctly_signed_callback_verifies() -> None:
    """The documented definition: sha256 hex of the eight values joined by |, then | and the secret."""
    message = callback()
    joined = "|".join(str(message[name]) for name in SIGNED_FIELDS)
    assert message["MaXacThuc"] == hashlib.sha256(f"{joined}|{SECRET}".encode()).hexdigest()
    check_signature(message, SECRET)


def test_a_callback_signed_by_the_mock_platform_verifies() -> None:
    """The connector's own verifier accepts what the mock platform signs (same protocol, no shared code)."""
    message = callback()
    del message["MaXacThuc"]
    message["MaXacThuc"] = platform_sign(message, SECRET)
    check_signature(message, SECRET)
    nulled = message | {"MaNganHang": None}
    nulled["MaXacThuc"] = platform_sign(nulled, SECRET)
    check_signature(nulled, SECRET)


def test_an_uppercase_code_verifies() -> None:
    message = callback()
    check_signature(message | {"MaXacThuc": message["MaXacThuc"].upper()}, SECRET)


@pytest.mark.parametrize(
    "change",
    [
        {"SoTien": 5600},
        {"SoTien": "56001"},
        {"MaLoi": "01"},
        {"MaThamChieu": "000.00.20.H14-250612-0008-x"},
        {"MaGiaoDich": "GD2"},
    ],
    ids=["amount", "amount-as-text", "outcome", "reference", "transaction"],
)
def test_a_tampered_callback_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(CallbackRejectedError, match="does not verify") as caught:
        check_signature(callback() | change, SECRET)
    assert caught.value.reason == "signature"


def test_a_callback_signed_with_another_secret_is_rejected() -> None:
    with pytest.raises(CallbackRejectedError, match="does not verify"):
        check_signature(callback(secret=FORGER_SECRET), SECRET)


@pytest.mark.parametrize("field", [*SIGNED_FIELDS, "MaXacThuc"])
def test_a_callback_missing_a_signed_field_is_rejected(field: str) -> None:
    message = callback()
    del message[field]
    with pytest.raises(CallbackRejectedError, match="missing") as caught:
        check_signature(message, SECRET)
    assert caught.value.reason == "signature"


@pytest.mark.parametrize("value", [56000.0, True, ["56000"], {"v": 1}])
def test_a_signed_field_of_another_shape_is_rejected(value: object) -> None:
    """A float, boolean, list or object never verifies, even if its text form would."""
    message = callback() | {"SoTien": value}
    with pytest.raises(CallbackRejectedError):
        check_signature(message, SECRET)


def test_an_empty_or_non_text_signature_is_rejected() -> None:
    for claimed in ("", None, 12345):
        with pytest.raises(CallbackRejectedError, match="missing"):
            check_signature(callback() | {"MaXacThuc": claimed}, SECRET)


def test_unsigned_fields_do_not_affect_the_signature() -> None:
    """MoTaLoi is not signed: changing it keeps the code valid."""
    message = callback()
    assert signature_of(message | {"MoTaLoi": "khác"}, SECRET) == message["MaXacThuc"]
    check_signature(message | {"MoTaLoi": "khác", "Them": 1}, SECRET)
