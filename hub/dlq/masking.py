"""Masking what a dead letter may hold: text that looks like personal data never leaves in clear.

A dead letter is usually one because its value did not decode, so the contracts' field markers
(:func:`contracts.privacy.redacted`) cannot be used on it. For such bytes, and for every header and key shown,
this module masks conservatively — more than needed rather than less:

* every run of nine or more digits (citizen ID, old ID card, tax code, phone number, account number);
* anything shaped like a Vietnamese phone number written with separators (``0912 345 678``, ``+84 912…``);
* the value of any field whose name says personal data (``name``, ``ho_ten``, ``phone``, ``dia_chi``,
  ``personal_id`` …), in ``"key": "value"`` and ``key=value`` forms;
* a capitalised run of words led by a common Vietnamese family name (``Nguyễn Thị …``), with or without
  diacritics — which also masks some place names (``Cao Bằng``); that is the accepted price.

A preview shows at most :data:`PREVIEW_CHARS` characters (text) or :data:`HEX_BYTES` bytes (hex) of the
start of the value; digits cut at the edge of what was looked at are masked too, so the rest of a number
beyond the edge cannot be pieced together from its first digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from contracts.privacy import REDACTED

__all__ = ["HEX_BYTES", "PREVIEW_CHARS", "Preview", "mask_text", "preview"]

PREVIEW_CHARS = 160
HEX_BYTES = 48
_WINDOW_BYTES = 1024
_ELLIPSIS = "…"

_DIGIT_RUN = re.compile(r"\d{9,}")
# 0 or +84 / 84, then 8 to 10 more digits with single spaces, dots, dashes or brackets between groups.
_PHONE = re.compile(r"(?<![\w.+\-])(?:\+?84|\(?0)(?:[ .\-)]{0,2}\d){8,10}(?!\w)")
_PERSONAL_KEY = (
    r"[\w\-]*?(?:name|phone|email|address|birth)[\w\-]*"
    r"|ho_?ten|hoten|ten|sdt|so_?dien_?thoai|dien_?thoai|dia_?chi|personal_?id|cccd|cmnd|cmt"
    r"|so_?dinh_?danh|dinh_?danh|id_?number|ngay_?sinh"
)
_KEYED_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>["']?(?:{_PERSONAL_KEY})["']?\s*[:=]\s*)
    (?P<value>"(?:[^"\\]|\\.)*(?:"|$)|'(?:[^'\\]|\\.)*(?:'|$)|[^\s,;&{{}}\[\]"'][^,;&\n\r{{}}\[\]"']*)
    """
)
_SURNAMES = (  # noqa: SIM905 -- names read better as one running list than one per line
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lâm Mai Đào Cao "
    "Tô Hà Lương Triệu Nông Hứa Lục Bế Vương Tạ Trịnh Đoàn Quách Thái Kiều Chu Lã Lò Lường Sầm Mạc Đàm "
    "Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Dinh Truong Lam Dao To Ha "
    "Luong Trieu Nong Hua Luc Be Vuong Ta Trinh Doan Quach Thai Kieu Lo Sam Mac Dam"
).split()
_NAME = re.compile(rf"\b(?:{'|'.join(sorted(set(_SURNAMES), key=len, reverse=True))})\b(?:[ \t]+\w+){{1,5}}")
_CUT_DIGITS = re.compile(r"[\d \t.\-+()]*\d[\d \t.\-+()]*$")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _masked_name(found: re.Match[str], fill: Callable[[str], str]) -> str:
    words = found.group().split()
    kept = 1
    while kept < len(words) and words[kept][:1].isupper():
        kept += 1
    if kept == 1:
        return found.group()
    # The capitalised words are the name; what follows them is kept as it was.
    name_end = found.start()
    for word in words[:kept]:
        name_end = found.string.index(word, name_end) + len(word)
    span = found.string[found.start() : name_end]
    return fill(span) + found.string[name_end : found.end()]


def mask_text(text: str, *, keep_length: bool = False) -> str:
    """``text`` with everything shaped like personal data replaced by ``<personal data>``.

    ``keep_length`` replaces each masked character by ``*`` instead, so byte offsets stay meaningful (the
    hex preview of a Latin-1 view of the bytes).
    """

    def fill(span: str) -> str:
        return "*" * len(span) if keep_length else REDACTED

    masked = _KEYED_VALUE.sub(lambda found: found.group("key") + fill(found.group("value")), text)
    masked = _NAME.sub(lambda found: _masked_name(found, fill), masked)
    masked = _PHONE.sub(lambda found: fill(found.group()), masked)
    return _DIGIT_RUN.sub(lambda found: fill(found.group()), masked)


@dataclass(frozen=True, slots=True)
class Preview:
    """The start of a value, masked: as text when it reads as text, else as hex."""

    length: int
    kind: Literal["text", "hex", "empty"]
    text: str


def _mostly_text(window: bytes) -> str | None:
    text = window.decode("utf-8", "replace")
    if not text:
        return text
    odd = text.count("\ufffd") + len(_UNPRINTABLE.findall(text))
    return text if odd <= len(text) // 10 else None


def preview(value: bytes | None) -> Preview:
    """A short masked preview of ``value`` (a key, a header value, a record's value)."""
    if not value:
        return Preview(0, "empty", "")
    window = value[:_WINDOW_BYTES]
    cut = len(value) > len(window)
    text = _mostly_text(window)
    if text is not None:
        if cut:
            text = _CUT_DIGITS.sub(_ELLIPSIS, text.rstrip("\ufffd"))
        shown = _UNPRINTABLE.sub("·", mask_text(text))
        if len(shown) > PREVIEW_CHARS:
            shown = _CUT_DIGITS.sub("", shown[: PREVIEW_CHARS - 1]) + _ELLIPSIS
        return Preview(len(value), "text", shown)
    head = value[:HEX_BYTES]
    latin = head.decode("latin-1")
    if len(value) > len(head):
        latin = _CUT_DIGITS.sub(lambda found: "*" * len(found.group()), latin)
    masked = mask_text(latin, keep_length=True).encode("latin-1")
    suffix = f" {_ELLIPSIS}" if len(value) > len(head) else ""
    return Preview(len(value), "hex", masked.hex(" ") + suffix)
