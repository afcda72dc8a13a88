"""Personal identifiers (basic personal data under Decree 13/2023/NĐ-CP): citizen IDs and phone numbers.

Validation messages from this module never repeat the value, only what is wrong with it: they end up in logs
and dead-letter headers.

Personal ID (CCCD, căn cước công dân), 12 ASCII digits:

* digits 1-3: the province of birth registration. Accepted: ``001`` to ``096``, the span of the official list
  (``004`` Cao Bằng, ``066`` Đắk Lắk, ``068`` Lâm Đồng, ``075`` Đồng Nai, …). The official list has gaps
  inside that span; they are not rejected here, because the list is not held in this package.
* digit 4: century and sex — 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s;
* digits 5-6: the last two digits of the birth year. The century digit and these give the birth year, which
  must not be after the current year (Vietnam time) — so today digits 4-9 are rejected;
* digits 7-12: a serial number. There is no public checksum.

Old ID card (CMND, chứng minh nhân dân): 9 ASCII digits, no further structure checked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, WithJsonSchema

from contracts.codes._problem import invalid

__all__ = [
    "CitizenIdNumber",
    "OldIdNumber",
    "PersonalId",
    "PersonalIdParts",
    "PhoneNumber",
    "parse_personal_id",
]

_VIETNAM = dt.timezone(dt.timedelta(hours=7))
_PROVINCES = range(1, 97)
_PHONE = re.compile(r"(?:0|\+84)[1-9][0-9]{8,9}")


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


@dataclass(frozen=True, slots=True)
class PersonalIdParts:
    """What a personal ID encodes. Personal data: keep it out of logs."""

    province: int
    sex: Literal["male", "female"]
    birth_year: int

    def __repr__(self) -> str:
        return "PersonalIdParts(<personal data>)"


def _personal_id_problem(value: str) -> PersonalIdParts | str:
    if len(value) != 12 or not _digits(value):
        return f"personal ID (CCCD) must be exactly 12 digits; got {_shape(value)}"
    province = int(value[:3])
    if province not in _PROVINCES:
        return "personal ID (CCCD): province code (digits 1-3) must be between 001 and 096"
    century_sex = int(value[3])
    birth_year = 1900 + 100 * (century_sex // 2) + int(value[4:6])
    if birth_year > dt.datetime.now(_VIETNAM).year:
        return (
            "personal ID (CCCD): the century/sex digit (digit 4) and the birth year (digits 5-6) "
            "give a birth year after the current year"
        )
    return PersonalIdParts(province, "female" if century_sex % 2 else "male", birth_year)


def _shape(value: str) -> str:
    kind = "digits" if _digits(value) else "characters, not all digits"
    return f"{len(value)} {kind}"


def parse_personal_id(value: str) -> PersonalIdParts:
    """Parse a 12-digit personal ID; raise a ``ValueError`` saying what is wrong, never the value."""
    parsed = _personal_id_problem(value)
    if isinstance(parsed, str):
        raise invalid("personal_id", parsed)
    return parsed


def _validate_personal_id(value: str) -> str:
    parse_personal_id(value)
    return value


def _validate_old_id(value: str) -> str:
    if len(value) != 9 or not _digits(value):
        raise invalid(
            "old_id_number", f"old ID card number (CMND) must be exactly 9 digits; got {_shape(value)}"
        )
    return value


def _validate_citizen_id(value: str) -> str:
    if len(value) == 12:
        return _validate_personal_id(value)
    if len(value) == 9:
        return _validate_old_id(value)
    raise invalid(
        "citizen_id_number",
        f"citizen ID number must be a 12-digit personal ID (CCCD) or a 9-digit old ID card number (CMND); "
        f"got {_shape(value)}",
    )


def _validate_phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise invalid(
            "phone_number",
            "phone number must be 0 or +84 followed by 9 or 10 digits, the first of them not 0",
        )
    return value


PersonalId = Annotated[
    str,
    AfterValidator(_validate_personal_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{12}$"}),
]
"""A 12-digit personal ID (CCCD). Personal data."""

OldIdNumber = Annotated[
    str,
    AfterValidator(_validate_old_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{9}$"}),
]
"""A 9-digit old ID card number (CMND). Personal data."""

CitizenIdNumber = Annotated[
    str,
    AfterValidator(_validate_citizen_id),
    WithJsonSchema({"type": "string", "pattern": "^(?:[0-9]{12}|[0-9]{9})$"}),
]
"""A personal ID (CCCD, 12 digits) or an old ID card number (CMND, 9 digits). Personal data."""

PhoneNumber = Annotated[
    str,
    AfterValidator(_validate_phone),
    WithJsonSchema({"type": "string", "pattern": r"^(?:0|\+84)[1-9][0-9]{8,9}$"}),
]
"""A Vietnamese phone number, ``0`` or ``+84`` then 9-10 digits. Personal data."""
