"""Nothing shaped like personal data survives a preview; codes the operator needs keep their shape."""

from __future__ import annotations

import pytest

from contracts.privacy import REDACTED
from hub.dlq import mask_text, preview
from hub.dlq.masking import HEX_BYTES, PREVIEW_CHARS

PERSONAL_ID = "004095001234"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"cccd {PERSONAL_ID} here", PERSONAL_ID),
        ("old id 123456789", "123456789"),
        ("call 0912345678", "0912345678"),
        ("call 0912 345 678", "0912 345 678"),
        ("call 0912.345.678", "0912.345.678"),
        ("call +84 912 345 678", "912 345 678"),
        ("call (024) 3825 1234", "3825 1234"),
        ('{"name": "Nguyễn Thị Hồng Nhung"}', "Hồng Nhung"),
        ('{"ho_ten":"Trần Văn Bình","x":1}', "Văn Bình"),
        ("applicant_name=Le Thi Lan&x=1", "Thi Lan"),
        ("dia_chi: 12 Hoàng Diệu, Cao Bằng", "Hoàng Diệu"),
        ("Ông Nguyễn Văn An nộp hồ sơ", "Văn An"),
        ("received from Pham Minh Chau today", "Minh Chau"),
        ('{"email": "an@example.vn"}', "an@example.vn"),
    ],
)
def test_personal_data_is_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert REDACTED in masked


@pytest.mark.parametrize(
    "text",
    [
        "000.00.20.H56-250612-0007",
        "G09.20-20260609-0092637",
        "2.000815.000.00.00.H56",
        "2025-06-12T09:00:00+07:00",
        "amount 52000 VND",
        "lienthong.dossier.events.v1.dlq:2:41",
    ],
)
def test_codes_times_and_amounts_keep_their_shape(text: str) -> None:
    assert mask_text(text) == text


def test_keep_length_masks_with_stars_of_the_same_length() -> None:
    text = f"id={PERSONAL_ID};"
    masked = mask_text(text, keep_length=True)
    assert len(masked) == len(text)
    assert PERSONAL_ID not in masked


def test_a_text_preview_is_short_and_masked() -> None:
    value = (
        '{"name": "Nguyễn Văn An", "cccd": "' + PERSONAL_ID + '", "note": "' + "x" * 1000 + '"}'
    ).encode()
    shown = preview(value)
    assert (shown.kind, shown.length) == ("text", len(value))
    assert len(shown.text) <= PREVIEW_CHARS
    assert PERSONAL_ID not in shown.text
    assert "Văn An" not in shown.text


def test_digits_cut_at_the_edge_are_not_shown() -> None:
    # A 12-digit number straddling the end of what is looked at: its first digits must not leak either.
    value = ("x" * 1020 + PERSONAL_ID).encode()
    assert "0040" not in preview(value).text
    binary = b"\xff\xfe\x00" * 13 + PERSONAL_ID.encode() * 2
    assert len(binary) > HEX_BYTES
    assert "30 30 34 30" not in preview(binary).text  # "0040" in hex


def test_binary_values_are_shown_as_masked_hex() -> None:
    value = b"\x00\x01\xff" + PERSONAL_ID.encode() + b"\x00"
    shown = preview(value)
    assert shown.kind == "hex"
    assert PERSONAL_ID.encode().hex(" ") not in shown.text
    assert shown.text.startswith("00 01 ff 2a")


def test_nothing_to_preview() -> None:
    assert preview(None).kind == "empty"
    assert preview(b"").length == 0
