"""Vietnamese text, timestamps and VND amounts: normalised or rejected with a message saying why."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from contracts.money import MAX_VND, Vnd
from contracts.text import VietnameseText
from contracts.timestamps import VIETNAM_TIME, Timestamp, from_portal_time, to_portal_time


def _message(value_type: Any, value: object, *, json: bool = False) -> str:
    adapter = TypeAdapter(value_type)
    if json:
        with pytest.raises(ValidationError) as caught:
            adapter.validate_json(str(value), strict=True)
    else:
        with pytest.raises(ValidationError) as caught:
            adapter.validate_python(value)
    return str(caught.value.errors()[0]["msg"])


def test_nfd_text_becomes_nfc() -> None:
    """A decomposed 'Nguyễn Thị Hồng' (base letters + combining marks) comes out precomposed and equal."""
    nfc = "Nguyễn Thị Hồng"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc

    normalised = TypeAdapter(VietnameseText).validate_python(nfd)

    assert normalised == nfc
    assert unicodedata.is_normalized("NFC", normalised)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Nguyễn\x07An", "text must not contain a control character; character 7 is U+0007"),
        ("Hồ sơ\nmới", "text must not contain a control character; character 6 is U+000A"),
        ("tab\there", "character 4 is U+0009"),
        ("C1\x85control", "character 3 is U+0085"),
        ("line\u2028separator", "text must not contain a line separator; character 5 is U+2028"),
        ("lone \ud800 surrogate", "unable to parse raw data as a unicode string"),
        ("", "text must not be empty or only whitespace"),
        ("   ", "text must not be empty or only whitespace"),
    ],
)
def test_text_with_control_characters_or_blank_is_rejected(value: str, problem: str) -> None:
    assert problem in _message(VietnameseText, value)


def test_naive_timestamps_are_rejected_in_python_and_json() -> None:
    expected = "timestamp must be timezone-aware (e.g. 2025-06-12T08:30:00+07:00); got a naive date-time"
    assert expected in _message(Timestamp, dt.datetime(2025, 6, 12, 8, 30))
    assert expected in _message(Timestamp, '"2025-06-12T08:30:00"', json=True)


def test_aware_timestamps_keep_their_instant() -> None:
    value = TypeAdapter(Timestamp).validate_json('"2025-06-12T08:30:00+07:00"')
    assert value == dt.datetime(2025, 6, 12, 1, 30, tzinfo=dt.UTC)


def test_portal_time_is_vietnam_wall_clock() -> None:
    """08:30 in Hà Nội is 01:30 UTC; the portal wants 20250612083000 either way."""
    assert to_portal_time(dt.datetime(2025, 6, 12, 1, 30, 59, 999, tzinfo=dt.UTC)) == "20250612083059"
    assert to_portal_time(dt.datetime(2025, 12, 31, 20, 0, tzinfo=dt.UTC)) == "20260101030000"
    assert from_portal_time("20250612083000") == dt.datetime(2025, 6, 12, 8, 30, tzinfo=VIETNAM_TIME)


def test_portal_time_rejects_naive_and_malformed_values() -> None:
    with pytest.raises(ValueError, match="timestamp must be timezone-aware"):
        to_portal_time(dt.datetime(2025, 6, 12, 8, 30))
    with pytest.raises(ValueError, match="portal time must be 14 digits"):
        from_portal_time("2025-06-12 08:30")
    with pytest.raises(ValueError, match="is not a real date and time"):
        from_portal_time("20250230083000")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (-1, "amount must not be negative"),
        (1.5, "amount must be an integer number of VND; got a number with a fractional part"),
        (1.0, "amount must be an integer number of VND; got a float (write 1, not 1.0)"),
        ("2000", "amount must be an integer number of VND; got a string"),
        (True, "amount must be an integer number of VND; got a boolean"),
        (None, "got null"),
        (float("inf"), "got a non-finite number"),
        (MAX_VND + 1, "amount must be at most 9007199254740991 VND"),
    ],
)
def test_amounts_are_strict_whole_vnd(value: object, problem: str) -> None:
    assert problem in _message(Vnd, value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("1.5", "fractional part"), ("1.0", "write 1, not 1.0"), ('"2000"', "got a string"), ("-5", "negative")],
)
def test_amounts_from_json_are_strict_too(text: str, problem: str) -> None:
    assert problem in _message(Vnd, text, json=True)


def test_zero_and_large_whole_amounts_are_accepted() -> None:
    assert TypeAdapter(Vnd).validate_json("0") == 0
    assert TypeAdapter(Vnd).validate_python(MAX_VND) == MAX_VND
